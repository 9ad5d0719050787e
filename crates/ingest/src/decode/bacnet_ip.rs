//! BACnet/IP ReadProperty, as the BACnet poller (`listen::bacnet`) speaks
//! it to a building controller: the confirmed request it sends, and the
//! complex ACK, error, reject or abort it reads back (ASHRAE 135: Annex J
//! for BVLC, clause 6 for the NPDU, clauses 20–21 for the APDU and tags).
//!
//! Written here rather than with a crate: `bacnet-rs` is a whole stack
//! (MS/TP, Ethernet, client transactions, a dozen dependencies, 25 000
//! lines) for one request and its answer, `bacnet-emb` is built around its
//! own `no_std` network traits, and `bacnet` 0.1 is an empty placeholder.
//! Only what polling needs is read: an unsegmented answer to ReadProperty
//! holding one primitive value (REAL, Double, Unsigned, Signed, Enumerated
//! or Boolean, what present-value is for analog and binary objects). Every
//! other shape is refused with a reason; the reader is fuzzed
//! (`fuzz/fuzz_targets/bacnet.rs`).

/// The UDP port BACnet/IP uses (0xBAC0).
pub const PORT: u16 = 47808;

/// The property polled: present-value.
pub const PRESENT_VALUE: u32 = 85;

/// The ReadProperty service choice.
const READ_PROPERTY: u8 = 12;

/// Why bytes are not an answer to ReadProperty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacnetError {
    /// Fewer bytes than the part being read needs.
    #[error("message is cut short in the {0}")]
    Truncated(&'static str),
    /// Not a BACnet/IP virtual link message.
    #[error("not BACnet/IP: the first byte is {0:#04x}, not 0x81")]
    NotBvlc(u8),
    /// A BVLC function other than a unicast or broadcast NPDU.
    #[error("BVLC function {0:#04x} carries no answer")]
    BvlcFunction(u8),
    /// The BVLC length disagrees with the datagram.
    #[error("BVLC says {said} bytes, the datagram has {got}")]
    BvlcLength {
        /// The length field.
        said: usize,
        /// The datagram's length.
        got: usize,
    },
    /// An NPDU of another protocol version.
    #[error("NPDU version {0}, not 1")]
    NpduVersion(u8),
    /// A network-layer message, not an application one.
    #[error("a network-layer message, not an answer")]
    NetworkMessage,
    /// An APDU that is not an answer to a confirmed request.
    #[error("APDU type {0} is not an answer to ReadProperty")]
    ApduType(u8),
    /// A segmented answer: a present-value never needs one.
    #[error("segmented answers are not read")]
    Segmented,
    /// The answer is to another service.
    #[error("the answer is to service {0}, not ReadProperty (12)")]
    Service(u8),
    /// A tag is not where or what the ACK's layout puts there.
    #[error("ReadProperty ACK: {0}")]
    Layout(&'static str),
    /// A value of a type present-value does not take.
    #[error("application tag {0} is not a value this poller reads")]
    ValueType(u8),
}

impl BacnetError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            BacnetError::Truncated(_) => "bacnet_truncated",
            BacnetError::NotBvlc(_) | BacnetError::BvlcFunction(_) | BacnetError::BvlcLength { .. } => "bacnet_bvlc",
            BacnetError::NpduVersion(_) | BacnetError::NetworkMessage => "bacnet_npdu",
            BacnetError::ApduType(_) | BacnetError::Segmented | BacnetError::Service(_) => "bacnet_apdu",
            BacnetError::Layout(_) => "bacnet_layout",
            BacnetError::ValueType(_) => "bacnet_value_type",
        }
    }
}

/// An object of the controller, by its type number and instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectId {
    /// The object type (0 analog-input, 2 analog-value, 5 binary-value…).
    pub kind: u16,
    /// Its instance number (22 bits).
    pub instance: u32,
}

impl ObjectId {
    fn encode(self) -> u32 {
        (u32::from(self.kind & 0x3FF) << 22) | (self.instance & 0x3F_FFFF)
    }

    fn decode(raw: u32) -> ObjectId {
        ObjectId { kind: u16::try_from(raw >> 22).unwrap_or(u16::MAX), instance: raw & 0x3F_FFFF }
    }
}

/// A primitive value read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Application tag 1.
    Boolean(bool),
    /// Application tag 2.
    Unsigned(u64),
    /// Application tag 3.
    Signed(i64),
    /// Application tag 4.
    Real(f32),
    /// Application tag 5.
    Double(f64),
    /// Application tag 9 (binary present-value: 0 inactive, 1 active).
    Enumerated(u32),
}

impl Value {
    /// The value as a number (inactive/false 0, active/true 1).
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Boolean(b) => f64::from(u8::from(b)),
            // Present-values are far below 2^53: no precision is lost.
            Value::Unsigned(n) => n as f64,
            Value::Signed(n) => n as f64,
            Value::Real(r) => f64::from(r),
            Value::Double(d) => d,
            Value::Enumerated(n) => f64::from(n),
        }
    }
}

/// What a controller answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The property's value (complex ACK).
    Value {
        /// The request's invoke id.
        invoke_id: u8,
        /// The object read.
        object: ObjectId,
        /// The property read.
        property: u32,
        /// Its value.
        value: Value,
    },
    /// A BACnet-Error PDU: the read failed (unknown object…).
    Error {
        /// The request's invoke id.
        invoke_id: u8,
        /// The error class (1 object, 2 property…).
        class: u32,
        /// The error code (31 unknown-object, 32 unknown-property…).
        code: u32,
    },
    /// A BACnet-Reject PDU: the request was malformed for the device.
    Reject {
        /// The request's invoke id.
        invoke_id: u8,
        /// The reject reason.
        reason: u8,
    },
    /// A BACnet-Abort PDU.
    Abort {
        /// The request's invoke id.
        invoke_id: u8,
        /// The abort reason.
        reason: u8,
    },
}

impl Answer {
    /// The invoke id the answer belongs to.
    pub fn invoke_id(&self) -> u8 {
        match self {
            Answer::Value { invoke_id, .. }
            | Answer::Error { invoke_id, .. }
            | Answer::Reject { invoke_id, .. }
            | Answer::Abort { invoke_id, .. } => *invoke_id,
        }
    }
}

/// The datagram asking `object`'s `property`: BVLC original-unicast, an
/// NPDU expecting a reply, a confirmed ReadProperty request.
pub fn read_property_request(invoke_id: u8, object: ObjectId, property: u32) -> Vec<u8> {
    let mut apdu = vec![
        0x00, // confirmed request, unsegmented
        0x05, // no segmentation, answers of up to 1476 bytes accepted
        invoke_id,
        READ_PROPERTY,
        0x0C, // context tag 0, 4 bytes: the object identifier
    ];
    apdu.extend_from_slice(&object.encode().to_be_bytes());
    let property_bytes = minimal(property);
    // Context tag 1, length 1–4.
    apdu.push(0x18 | u8::try_from(property_bytes.len()).unwrap_or(4));
    apdu.extend_from_slice(&property_bytes);
    let mut out = vec![0x81, 0x0A, 0, 0, 0x01, 0x04];
    out.extend_from_slice(&apdu);
    let len = u16::try_from(out.len()).unwrap_or(u16::MAX).to_be_bytes();
    out[2..4].copy_from_slice(&len);
    out
}

/// An unsigned number in as few big-endian bytes as it takes (at least one).
fn minimal(n: u32) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    bytes[skip..].to_vec()
}

/// Reads a controller's answer.
pub fn parse_answer(datagram: &[u8]) -> Result<Answer, BacnetError> {
    let npdu = bvlc(datagram)?;
    let apdu = skip_npdu(npdu)?;
    let (&first, rest) = apdu.split_first().ok_or(BacnetError::Truncated("APDU"))?;
    let take = |n: usize| rest.get(..n).ok_or(BacnetError::Truncated("APDU header"));
    match first >> 4 {
        3 => {
            if first & 0x08 != 0 {
                return Err(BacnetError::Segmented);
            }
            let header = take(2)?;
            let (invoke_id, service) = (header[0], header[1]);
            if service != READ_PROPERTY {
                return Err(BacnetError::Service(service));
            }
            let mut tags = Tags { bytes: &rest[2..], at: 0 };
            let object = tags.context(0)?.ok_or(BacnetError::Layout("no object identifier (context tag 0)"))?;
            if object.len() != 4 {
                return Err(BacnetError::Layout("the object identifier is not 4 bytes"));
            }
            let object = ObjectId::decode(unsigned(object) as u32);
            let property = tags.context(1)?.ok_or(BacnetError::Layout("no property identifier (context tag 1)"))?;
            let property =
                u32::try_from(unsigned(property)).map_err(|_| BacnetError::Layout("property id too long"))?;
            // An array index (context tag 2) may follow; present-value has none
            // but a device may still send it.
            tags.context(2)?;
            if !tags.delimiter(0x3E) {
                return Err(BacnetError::Layout("no opening tag 3 before the value"));
            }
            let value = tags.application()?;
            if !tags.delimiter(0x3F) {
                return Err(BacnetError::Layout("more than one value, or no closing tag 3"));
            }
            Ok(Answer::Value { invoke_id, object, property, value })
        }
        5 => {
            let header = take(2)?;
            let invoke_id = header[0];
            let mut tags = Tags { bytes: &rest[2..], at: 0 };
            let class = match tags.application()? {
                Value::Enumerated(n) => n,
                _ => return Err(BacnetError::Layout("the error class is not enumerated")),
            };
            let code = match tags.application()? {
                Value::Enumerated(n) => n,
                _ => return Err(BacnetError::Layout("the error code is not enumerated")),
            };
            Ok(Answer::Error { invoke_id, class, code })
        }
        6 => {
            let header = take(2)?;
            Ok(Answer::Reject { invoke_id: header[0], reason: header[1] })
        }
        7 => {
            let header = take(2)?;
            Ok(Answer::Abort { invoke_id: header[0], reason: header[1] })
        }
        other => Err(BacnetError::ApduType(other)),
    }
}

/// The NPDU inside a BVLC message.
fn bvlc(datagram: &[u8]) -> Result<&[u8], BacnetError> {
    let header = datagram.get(..4).ok_or(BacnetError::Truncated("BVLC header"))?;
    if header[0] != 0x81 {
        return Err(BacnetError::NotBvlc(header[0]));
    }
    // Original-unicast, original-broadcast; forwarded NPDUs carry the
    // original sender's 6-byte address first.
    let skip = match header[1] {
        0x0A | 0x0B => 4,
        0x04 => 10,
        f => return Err(BacnetError::BvlcFunction(f)),
    };
    let said = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if said != datagram.len() {
        return Err(BacnetError::BvlcLength { said, got: datagram.len() });
    }
    datagram.get(skip..).ok_or(BacnetError::Truncated("BVLC header"))
}

/// The APDU after an NPDU's header and its optional addresses.
fn skip_npdu(npdu: &[u8]) -> Result<&[u8], BacnetError> {
    let header = npdu.get(..2).ok_or(BacnetError::Truncated("NPDU header"))?;
    if header[0] != 1 {
        return Err(BacnetError::NpduVersion(header[0]));
    }
    let control = header[1];
    if control & 0x80 != 0 {
        return Err(BacnetError::NetworkMessage);
    }
    let mut at = 2;
    let address = |at: &mut usize| -> Result<(), BacnetError> {
        // NET (2 bytes), LEN, then LEN bytes of MAC address.
        let len = *npdu.get(*at + 2).ok_or(BacnetError::Truncated("NPDU address"))?;
        *at += 3 + usize::from(len);
        Ok(())
    };
    if control & 0x20 != 0 {
        address(&mut at)?;
    }
    if control & 0x08 != 0 {
        address(&mut at)?;
    }
    if control & 0x20 != 0 {
        // The hop count.
        at += 1;
    }
    npdu.get(at..).ok_or(BacnetError::Truncated("NPDU address"))
}

/// A big-endian unsigned of up to 8 bytes (longer ones keep their last 8).
fn unsigned(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b))
}

/// A cursor over BACnet tagged data.
struct Tags<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Tags<'a> {
    /// The tag byte and the content length at the cursor, moving past the
    /// tag (and its extended length).
    fn header(&mut self) -> Result<(u8, usize), BacnetError> {
        let tag = *self.bytes.get(self.at).ok_or(BacnetError::Truncated("tags"))?;
        self.at += 1;
        let len = match tag & 0x07 {
            5 => {
                let ext = *self.bytes.get(self.at).ok_or(BacnetError::Truncated("tag length"))?;
                self.at += 1;
                match ext {
                    254 => {
                        let b = self.bytes.get(self.at..self.at + 2).ok_or(BacnetError::Truncated("tag length"))?;
                        self.at += 2;
                        usize::from(u16::from_be_bytes([b[0], b[1]]))
                    }
                    255 => return Err(BacnetError::Layout("values over 64 KiB are not read")),
                    n => usize::from(n),
                }
            }
            n => usize::from(n),
        };
        Ok((tag, len))
    }

    fn content(&mut self, len: usize) -> Result<&'a [u8], BacnetError> {
        let end = self.at.checked_add(len).ok_or(BacnetError::Truncated("tag content"))?;
        let content = self.bytes.get(self.at..end).ok_or(BacnetError::Truncated("tag content"))?;
        self.at = end;
        Ok(content)
    }

    /// The content of context tag `number` if it is next; the cursor stays
    /// put otherwise.
    fn context(&mut self, number: u8) -> Result<Option<&'a [u8]>, BacnetError> {
        match self.bytes.get(self.at) {
            Some(&tag) if tag & 0x08 != 0 && tag >> 4 == number && tag & 0x07 != 6 && tag & 0x07 != 7 => {
                let (_, len) = self.header()?;
                Ok(Some(self.content(len)?))
            }
            _ => Ok(None),
        }
    }

    /// Whether the opening or closing tag `byte` is next (and passes it).
    fn delimiter(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// The application-tagged primitive value at the cursor.
    fn application(&mut self) -> Result<Value, BacnetError> {
        let start = self.at;
        let (tag, len) = self.header()?;
        if tag & 0x08 != 0 {
            self.at = start;
            return Err(BacnetError::Layout("a context tag where an application value belongs"));
        }
        let number = tag >> 4;
        if number == 1 {
            // A Boolean's value is its length field.
            return Ok(Value::Boolean(tag & 0x07 == 1));
        }
        let content = self.content(len)?;
        let sized = |max: usize| {
            if content.is_empty() || content.len() > max {
                Err(BacnetError::Layout("a value of the wrong length for its type"))
            } else {
                Ok(content)
            }
        };
        Ok(match number {
            2 => Value::Unsigned(unsigned(sized(8)?)),
            3 => {
                let bytes = sized(8)?;
                let shift = 64 - 8 * bytes.len() as u32;
                // Sign-extend the big-endian two's complement.
                Value::Signed(((unsigned(bytes) << shift) as i64) >> shift)
            }
            4 => match content {
                [a, b, c, d] => Value::Real(f32::from_be_bytes([*a, *b, *c, *d])),
                _ => return Err(BacnetError::Layout("a REAL is not 4 bytes")),
            },
            5 => {
                let bytes: [u8; 8] = content.try_into().map_err(|_| BacnetError::Layout("a Double is not 8 bytes"))?;
                Value::Double(f64::from_be_bytes(bytes))
            }
            9 => Value::Enumerated(
                u32::try_from(unsigned(sized(4)?)).map_err(|_| BacnetError::Layout("enumerated too long"))?,
            ),
            other => return Err(BacnetError::ValueType(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A complex ACK as a controller sends it, value bytes given.
    fn ack(invoke_id: u8, object: u32, value: &[u8]) -> Vec<u8> {
        let mut apdu = vec![0x30, invoke_id, 12, 0x0C];
        apdu.extend_from_slice(&object.to_be_bytes());
        apdu.extend_from_slice(&[0x19, 85, 0x3E]);
        apdu.extend_from_slice(value);
        apdu.push(0x3F);
        let mut out = vec![0x81, 0x0A, 0, 0, 0x01, 0x00];
        out.extend_from_slice(&apdu);
        let len = out.len() as u16;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        out
    }

    #[test]
    fn a_request_has_the_layout_of_the_standard() {
        let request = read_property_request(7, ObjectId { kind: 2, instance: 3 }, PRESENT_VALUE);
        assert_eq!(
            request,
            [0x81, 0x0A, 0x00, 0x11, 0x01, 0x04, 0x00, 0x05, 7, 12, 0x0C, 0x00, 0x80, 0x00, 0x03, 0x19, 85]
        );
        let long = read_property_request(1, ObjectId { kind: 0, instance: 1 }, 4194);
        assert_eq!(&long[15..], [0x1A, 0x10, 0x62]);
    }

    #[test]
    fn values_of_every_present_value_type_are_read() {
        let ai = 1; // analog-input (type 0 in the top ten bits), instance 1
        let read = |value: &[u8]| match parse_answer(&ack(9, ai, value)).unwrap() {
            Answer::Value { invoke_id: 9, object, property: 85, value } => {
                assert_eq!(object, ObjectId { kind: 0, instance: 1 });
                value
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(read(&[0x44, 0x41, 0xAC, 0x00, 0x00]), Value::Real(21.5));
        assert_eq!(read(&[0x91, 0x01]), Value::Enumerated(1));
        assert_eq!(read(&[0x21, 0xFF]), Value::Unsigned(255));
        assert_eq!(read(&[0x31, 0xFE]), Value::Signed(-2));
        assert_eq!(read(&[0x11]), Value::Boolean(true));
        let mut double = vec![0x55, 0x08];
        double.extend_from_slice(&(-4.25f64).to_be_bytes());
        assert_eq!(read(&double), Value::Double(-4.25));
        assert_eq!(read(&[0x31, 0xFE]).as_f64(), -2.0);
    }

    #[test]
    fn errors_rejects_and_routed_answers_are_read() {
        let error = [0x81, 0x0A, 0x00, 0x0D, 0x01, 0x00, 0x50, 4, 12, 0x91, 1, 0x91, 31];
        assert_eq!(parse_answer(&error).unwrap(), Answer::Error { invoke_id: 4, class: 1, code: 31 });
        let reject = [0x81, 0x0A, 0x00, 0x09, 0x01, 0x00, 0x60, 4, 9];
        assert_eq!(parse_answer(&reject).unwrap(), Answer::Reject { invoke_id: 4, reason: 9 });
        // From a device behind a router: the NPDU names its source network.
        let mut routed = vec![0x81, 0x0A, 0x00, 0x00, 0x01, 0x08, 0x00, 0x05, 0x01, 0x2A];
        routed.extend_from_slice(&ack(2, 5 << 22, &[0x91, 0x00])[6..]);
        let len = routed.len() as u16;
        routed[2..4].copy_from_slice(&len.to_be_bytes());
        assert!(matches!(parse_answer(&routed).unwrap(), Answer::Value { value: Value::Enumerated(0), .. }));
        // Forwarded by a BBMD: the original sender's B/IP address comes first.
        let mut forwarded = vec![0x81, 0x04, 0x00, 0x00, 10, 0, 0, 9, 0xBA, 0xC0];
        forwarded.extend_from_slice(&ack(3, 1, &[0x21, 0x07])[4..]);
        let len = forwarded.len() as u16;
        forwarded[2..4].copy_from_slice(&len.to_be_bytes());
        assert!(matches!(
            parse_answer(&forwarded).unwrap(),
            Answer::Value { invoke_id: 3, value: Value::Unsigned(7), .. }
        ));
    }

    #[test]
    fn other_bytes_are_refused_with_their_reason() {
        let kind = |bytes: &[u8]| parse_answer(bytes).unwrap_err();
        assert_eq!(kind(b"\x81"), BacnetError::Truncated("BVLC header"));
        assert_eq!(kind(b"GET / HTTP/1.1"), BacnetError::NotBvlc(b'G'));
        assert_eq!(kind(&[0x81, 0x0A, 0x00, 0x20, 0x01, 0x00]), BacnetError::BvlcLength { said: 32, got: 6 });
        assert_eq!(kind(&[0x81, 0x0A, 0x00, 0x06, 0x02, 0x00]), BacnetError::NpduVersion(2));
        assert_eq!(kind(&[0x81, 0x0A, 0x00, 0x07, 0x01, 0x80, 0x00]), BacnetError::NetworkMessage);
        assert_eq!(kind(&[0x81, 0x0A, 0x00, 0x09, 0x01, 0x00, 0x20, 1, 12]), BacnetError::ApduType(2));
        let mut segmented = ack(1, 1, &[0x91, 1]);
        segmented[6] = 0x38;
        assert_eq!(kind(&segmented), BacnetError::Segmented);
        assert_eq!(kind(&ack(1, 1, &[0x75, 0x03, 0, b'a', b'b'])), BacnetError::ValueType(7));
        assert_eq!(kind(&ack(1, 1, &[0x44, 0x41])).kind(), "bacnet_truncated");
        let mut cut = ack(1, 1, &[0x44, 0x41, 0xAC, 0, 0]);
        cut.pop();
        let len = cut.len() as u16;
        cut[2..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(kind(&cut).kind(), "bacnet_layout");
    }
}
