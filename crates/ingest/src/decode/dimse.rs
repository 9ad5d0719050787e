//! DIMSE command sets: the group-0000 elements a DICOM peer sends in a
//! command P-DATA value (PS3.7 §6.3 and Annex E), read by the DICOM monitor
//! to know which service a peer asks for, and the responses it answers.
//!
//! A command set is always in implicit VR little endian and holds only
//! group 0000, whatever transfer syntax the association negotiated, so
//! reading it takes a fixed 8-byte element header and a dozen tags. Written
//! here rather than with `dicom-object`: that crate would parse whole data
//! sets with every VR and the full data dictionary, while the monitor needs
//! a bounded, panic-free reader of a few integers and UIDs that refuses
//! anything else with a reason (it is fuzzed: `fuzz/fuzz_targets/dimse.rs`).

/// The largest command set read: real ones are a few hundred bytes.
pub const MAX_COMMAND_LEN: usize = 64 * 1024;

/// `CommandDataSetType` when no data set follows the command.
pub const NO_DATA_SET: u16 = 0x0101;

/// Why bytes are not a DIMSE command set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DimseError {
    /// More bytes than any command set has.
    #[error("command set is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An element header or value runs past the end.
    #[error("command set is cut inside the element at offset {offset}")]
    Truncated {
        /// Where the element starts.
        offset: usize,
    },
    /// An element outside group 0000: this is a data set, not a command.
    #[error("element ({group:04X},{element:04X}) is not a command element (group 0000)")]
    NotCommand {
        /// Its group.
        group: u16,
        /// Its element number.
        element: u16,
    },
    /// A numeric element of the wrong length.
    #[error("element (0000,{element:04X}) is {len} bytes, not {expected}")]
    Length {
        /// Its element number.
        element: u16,
        /// Its length.
        len: u32,
        /// The length its VR has.
        expected: u32,
    },
    /// A UID or AE title longer than its VR allows.
    #[error("element (0000,{element:04X}) is {len} bytes, over the {max} its VR allows")]
    TooLong {
        /// Its element number.
        element: u16,
        /// Its length.
        len: u32,
        /// The VR's maximum (64 for UI, 16 for AE).
        max: u32,
    },
    /// No `CommandField` (0000,0100).
    #[error("command set has no CommandField (0000,0100)")]
    NoCommandField,
}

impl DimseError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            DimseError::TooLarge { .. } => "dimse_too_large",
            DimseError::Truncated { .. } => "dimse_truncated",
            DimseError::NotCommand { .. } => "dimse_not_command",
            DimseError::Length { .. } => "dimse_length",
            DimseError::TooLong { .. } => "dimse_too_long",
            DimseError::NoCommandField => "dimse_no_command_field",
        }
    }
}

/// A DIMSE service, by its request's `CommandField`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::Display, strum::EnumString)]
pub enum Command {
    /// Store one instance (0x0001).
    #[strum(serialize = "C-STORE")]
    CStore,
    /// Retrieve instances over this association (0x0010).
    #[strum(serialize = "C-GET")]
    CGet,
    /// Query (0x0020).
    #[strum(serialize = "C-FIND")]
    CFind,
    /// Retrieve instances to another AE (0x0021).
    #[strum(serialize = "C-MOVE")]
    CMove,
    /// Verification (0x0030).
    #[strum(serialize = "C-ECHO")]
    CEcho,
    /// Cancel an operation in progress (0x0FFF).
    #[strum(serialize = "C-CANCEL")]
    CCancel,
    /// A normalised service (N-GET, N-SET, N-ACTION…: 0x0100–0x0150).
    #[strum(serialize = "N-SERVICE")]
    Normalised,
    /// A response (bit 15 set): a peer acting as SCP towards the monitor.
    #[strum(serialize = "RESPONSE")]
    Response,
    /// A value PS3.7 does not define.
    #[strum(serialize = "UNKNOWN")]
    Unknown,
}

impl Command {
    /// The service of a `CommandField` value.
    pub fn of(field: u16) -> Command {
        match field {
            0x0001 => Command::CStore,
            0x0010 => Command::CGet,
            0x0020 => Command::CFind,
            0x0021 => Command::CMove,
            0x0030 => Command::CEcho,
            0x0FFF => Command::CCancel,
            0x0100 | 0x0110 | 0x0120 | 0x0130 | 0x0140 | 0x0150 => Command::Normalised,
            f if f & 0x8000 != 0 => Command::Response,
            _ => Command::Unknown,
        }
    }
}

/// What the monitor reads of one command set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandSet {
    /// `CommandField` (0000,0100).
    pub field: u16,
    /// `MessageID` (0000,0110).
    pub message_id: Option<u16>,
    /// `AffectedSOPClassUID` (0000,0002), or `RequestedSOPClassUID`
    /// (0000,0003) for normalised services.
    pub sop_class: Option<String>,
    /// `AffectedSOPInstanceUID` (0000,1000): the instance a C-STORE carries.
    pub sop_instance: Option<String>,
    /// `MoveDestination` (0000,0600): where a C-MOVE sends the instances.
    pub move_destination: Option<String>,
    /// `Priority` (0000,0700).
    pub priority: Option<u16>,
    /// `CommandDataSetType` (0000,0800): whether a data set follows.
    pub data_set_type: Option<u16>,
    /// `Status` (0000,0900), in responses.
    pub status: Option<u16>,
}

impl CommandSet {
    /// The service asked for.
    pub fn command(&self) -> Command {
        Command::of(self.field)
    }

    /// Whether data set P-DATA values follow this command.
    pub fn has_data_set(&self) -> bool {
        self.data_set_type.is_some_and(|t| t != NO_DATA_SET)
    }

    /// Reads a command set (implicit VR little endian, group 0000 only).
    /// Unknown group-0000 elements are skipped; anything else is refused.
    pub fn parse(bytes: &[u8]) -> Result<CommandSet, DimseError> {
        if bytes.len() > MAX_COMMAND_LEN {
            return Err(DimseError::TooLarge { len: bytes.len(), max: MAX_COMMAND_LEN });
        }
        let mut set = CommandSet::default();
        let mut field = None;
        let mut at = 0;
        while at < bytes.len() {
            let header = bytes.get(at..at + 8).ok_or(DimseError::Truncated { offset: at })?;
            let group = u16::from_le_bytes([header[0], header[1]]);
            let element = u16::from_le_bytes([header[2], header[3]]);
            let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
            if group != 0 {
                return Err(DimseError::NotCommand { group, element });
            }
            let start = at + 8;
            let value = usize::try_from(len)
                .ok()
                .and_then(|len| bytes.get(start..start.checked_add(len)?))
                .ok_or(DimseError::Truncated { offset: at })?;
            let short = || -> Result<u16, DimseError> {
                match value {
                    [a, b] => Ok(u16::from_le_bytes([*a, *b])),
                    _ => Err(DimseError::Length { element, len, expected: 2 }),
                }
            };
            let max = match element {
                0x0002 | 0x0003 | 0x1000 => 64,
                0x0600 => 16,
                _ => u32::MAX,
            };
            if len > max {
                return Err(DimseError::TooLong { element, len, max });
            }
            match element {
                0x0002 | 0x0003 => set.sop_class = text(value),
                0x0100 => field = Some(short()?),
                0x0110 => set.message_id = Some(short()?),
                0x0600 => set.move_destination = text(value),
                0x0700 => set.priority = Some(short()?),
                0x0800 => set.data_set_type = Some(short()?),
                0x0900 => set.status = Some(short()?),
                0x1000 => set.sop_instance = text(value),
                _ => {}
            }
            at = start + value.len();
        }
        set.field = field.ok_or(DimseError::NoCommandField)?;
        Ok(set)
    }
}

/// A UID or AE title without its padding (NUL for UIDs, spaces for AE
/// titles); `None` when empty or not text.
fn text(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?.trim_matches(|c: char| c == '\0' || c.is_ascii_whitespace());
    (!text.is_empty()).then(|| text.to_owned())
}

/// A response command set: `CommandField` of the request with bit 15 set,
/// the request's message id, no data set, and `status`.
pub fn response(request: &CommandSet, status: u16) -> Vec<u8> {
    let mut elements: Vec<(u16, Vec<u8>)> = Vec::new();
    if let Some(uid) = &request.sop_class {
        let mut value = uid.as_bytes().to_vec();
        if value.len() % 2 == 1 {
            value.push(0);
        }
        elements.push((0x0002, value));
    }
    elements.push((0x0100, (request.field | 0x8000).to_le_bytes().to_vec()));
    elements.push((0x0120, request.message_id.unwrap_or(0).to_le_bytes().to_vec()));
    elements.push((0x0800, NO_DATA_SET.to_le_bytes().to_vec()));
    elements.push((0x0900, status.to_le_bytes().to_vec()));
    let body_len: usize = elements.iter().map(|(_, v)| 8 + v.len()).sum();
    let mut out = Vec::with_capacity(12 + body_len);
    let mut put = |element: u16, value: &[u8]| {
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&element.to_le_bytes());
        // Values here are a UID (at most 64 bytes: `parse` refuses longer) or two bytes.
        out.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(value);
    };
    put(0x0000, &u32::try_from(body_len).unwrap_or(u32::MAX).to_le_bytes());
    for (element, value) in &elements {
        put(*element, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(element: u16, value: &[u8]) -> Vec<u8> {
        [&0u16.to_le_bytes()[..], &element.to_le_bytes(), &(value.len() as u32).to_le_bytes(), value].concat()
    }

    fn find_request() -> Vec<u8> {
        [
            element(0x0000, &0u32.to_le_bytes()),
            element(0x0002, b"1.2.840.10008.5.1.4.1.2.2.1\0"),
            element(0x0100, &0x0020u16.to_le_bytes()),
            element(0x0110, &7u16.to_le_bytes()),
            element(0x0700, &0u16.to_le_bytes()),
            element(0x0800, &0x0000u16.to_le_bytes()),
        ]
        .concat()
    }

    #[test]
    fn a_request_is_read_with_its_service_and_padding_removed() {
        let set = CommandSet::parse(&find_request()).unwrap();
        assert_eq!(set.command(), Command::CFind);
        assert_eq!(set.command().to_string(), "C-FIND");
        assert_eq!(set.message_id, Some(7));
        assert_eq!(set.sop_class.as_deref(), Some("1.2.840.10008.5.1.4.1.2.2.1"));
        assert!(set.has_data_set());
        let mv = [element(0x0100, &0x0021u16.to_le_bytes()), element(0x0600, b"EVIL_SCP  ")].concat();
        let set = CommandSet::parse(&mv).unwrap();
        assert_eq!((set.command(), set.move_destination.as_deref()), (Command::CMove, Some("EVIL_SCP")));
        assert!(!set.has_data_set(), "no CommandDataSetType: nothing follows");
        assert_eq!(Command::of(0x8030), Command::Response);
        assert_eq!(Command::of(0x0130), Command::Normalised);
        assert_eq!(Command::of(0x0042), Command::Unknown);
    }

    #[test]
    fn broken_command_sets_are_refused_with_their_reason() {
        let full = find_request();
        let err = |bytes: &[u8]| CommandSet::parse(bytes).unwrap_err();
        assert_eq!(err(&full[..full.len() - 1]), DimseError::Truncated { offset: full.len() - 10 });
        assert_eq!(err(&full[..5]), DimseError::Truncated { offset: 0 });
        assert_eq!(err(&element(0x0110, &1u16.to_le_bytes())), DimseError::NoCommandField);
        let data = [&0x0008u16.to_le_bytes()[..], &0x0018u16.to_le_bytes(), &0u32.to_le_bytes()].concat();
        assert_eq!(err(&data), DimseError::NotCommand { group: 8, element: 0x18 });
        assert_eq!(err(&element(0x0100, &[1, 0, 0])), DimseError::Length { element: 0x0100, len: 3, expected: 2 });
        let huge = [&0u16.to_le_bytes()[..], &0x0002u16.to_le_bytes(), &u32::MAX.to_le_bytes()].concat();
        assert_eq!(err(&huge), DimseError::Truncated { offset: 0 });
        assert_eq!(err(&vec![0; MAX_COMMAND_LEN + 1]).kind(), "dimse_too_large");
        let long_uid = element(0x0002, &[b'1'; 66]);
        assert_eq!(err(&long_uid), DimseError::TooLong { element: 2, len: 66, max: 64 });
        assert_eq!(err(&element(0x0600, b"A_DESTINATION_TOO_LONG")).kind(), "dimse_too_long");
    }

    #[test]
    fn a_response_answers_the_request_and_reads_back() {
        let request = CommandSet::parse(&find_request()).unwrap();
        let bytes = response(&request, 0xA700);
        let answer = CommandSet::parse(&bytes).unwrap();
        assert_eq!(answer.field, 0x8020);
        assert_eq!(answer.status, Some(0xA700));
        assert_eq!(answer.data_set_type, Some(NO_DATA_SET));
        assert_eq!(answer.sop_class, request.sop_class);
        // The group length counts every element after it.
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize, bytes.len() - 12);
        assert_eq!(bytes[12 + 8..12 + 8 + 28].len() % 2, 0, "UIDs are padded to an even length");
    }
}
