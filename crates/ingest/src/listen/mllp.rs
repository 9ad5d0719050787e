//! HL7 v2 over MLLP: each message framed as `<VT> message <FS><CR>` on a
//! TCP (or TLS) connection, answered with an acknowledgement in the same
//! frame before the next one is read.
//!
//! The answer follows HL7's original acknowledgement mode: `AA` once the
//! message's event is durably stored (so a sender that got `AA` never needs
//! to send again, even if SafeCare is killed right after), `AE` with the
//! reason for a message SafeCare refuses (its content is wrong: sending it
//! again would not help), `AR` when a readable message could not be stored
//! (shutting down, the store failing: the sender should try again later).
//! The reason travels in `MSA-3` and, with its HL7 error code, in `ERR`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use safecare_model::Timestamp;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use super::{Closed, Pipeline};
use crate::decode::DecodeError;
use crate::decode::hl7::{Header, Hl7Error, Message};
use crate::decode::input::MAX_RECORD_LEN;

/// Starts a frame.
const START: u8 = 0x0b;
/// Ends a frame, followed by a carriage return.
const END: u8 = 0x1c;

/// One frame read from the connection.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    /// A whole message.
    Message(Vec<u8>),
    /// A message over the size limit, skipped; its first bytes are kept to
    /// address the refusal.
    TooLarge(Vec<u8>),
}

/// How a message was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckCode {
    /// Stored.
    Accept,
    /// Refused for its content.
    Error,
    /// Not stored for a reason of SafeCare's own; send again later.
    Reject,
}

impl AckCode {
    fn as_str(self) -> &'static str {
        match self {
            AckCode::Accept => "AA",
            AckCode::Error => "AE",
            AckCode::Reject => "AR",
        }
    }
}

/// Reads the next frame: bytes before a start block are dropped (line noise,
/// keep-alive newlines); `None` at a clean end of the connection. Memory
/// stays bounded whatever the peer sends: an oversized message is read to
/// its end block but only its first bytes are kept.
async fn read_frame<R: AsyncBufRead + Unpin>(reader: &mut R, max: usize) -> std::io::Result<Option<Frame>> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|&b| b == START) {
            Some(at) => {
                reader.consume(at + 1);
                break;
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
    let mut message = Vec::new();
    let mut too_large = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection ended inside an MLLP frame",
            ));
        }
        let end = buf.iter().position(|&b| b == END);
        let part = &buf[..end.unwrap_or(buf.len())];
        if !too_large && message.len() + part.len() > max {
            too_large = true;
            message.truncate(MAX_HEADER_BYTES);
        }
        let room = if too_large { MAX_HEADER_BYTES.saturating_sub(message.len()) } else { part.len() };
        message.extend_from_slice(&part[..part.len().min(room)]);
        let used = part.len() + usize::from(end.is_some());
        reader.consume(used);
        if end.is_some() {
            break;
        }
    }
    // The carriage return that closes the frame.
    if reader.fill_buf().await?.first() == Some(&b'\r') {
        reader.consume(1);
    }
    Ok(Some(if too_large { Frame::TooLarge(message) } else { Frame::Message(message) }))
}

/// How much of an oversized message is kept to address the refusal.
const MAX_HEADER_BYTES: usize = 4096;

/// Serves one connection until it ends, stays silent for `idle` or the
/// pipeline closes.
pub(super) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    peer: SocketAddr,
    pipe: Pipeline,
    idle: Duration,
) {
    let (read, mut write) = tokio::io::split(stream);
    let mut reader = BufReader::new(read);
    let max = pipe.intake.max_record.min(MAX_RECORD_LEN);
    loop {
        let Ok(next) = tokio::time::timeout(idle, read_frame(&mut reader, max)).await else {
            super::tcp::closed(&pipe, "idle_timeout", format!("{peer}: no complete message in {idle:?}"));
            return;
        };
        let answer = match next {
            Ok(Some(Frame::Message(bytes))) => match take(&pipe, &bytes, peer).await {
                Ok(answer) => answer,
                Err(Closed) => acknowledgement(&bytes, AckCode::Reject, Some(&Refusal::shutting_down())),
            },
            Ok(Some(Frame::TooLarge(head))) => {
                let err = DecodeError::TooLarge { len: max + 1, max };
                pipe.stats().record_error(err.kind(), format!("{peer}: MLLP message over {max} bytes"));
                metrics::counter!("safecare_ingest_rejected_total", "source" => pipe.intake.context.source.clone(), "kind" => err.kind())
                    .increment(1);
                acknowledgement(&head, AckCode::Error, Some(&Refusal::of(&err)))
            }
            Ok(None) => return,
            Err(e) => {
                pipe.stats().record_error("mllp_frame", format!("{peer}: {e}"));
                return;
            }
        };
        let mut framed = Vec::with_capacity(answer.len() + 3);
        framed.push(START);
        framed.extend_from_slice(answer.as_bytes());
        framed.extend_from_slice(&[END, b'\r']);
        if write.write_all(&framed).await.is_err() || write.flush().await.is_err() {
            return;
        }
        if pipe.is_closed() {
            return;
        }
    }
}

/// Takes in one message and waits until its event is stored; answers the
/// acknowledgement to send.
async fn take(pipe: &Pipeline, bytes: &[u8], peer: SocketAddr) -> Result<String, Closed> {
    let events = match pipe.intake.take(bytes, None, Some(peer)) {
        Ok(events) => events,
        Err(err) => return Ok(acknowledgement(bytes, AckCode::Error, Some(&Refusal::of(&err)))),
    };
    for event in events {
        pipe.send(event).await?;
    }
    if let Some(stored) = pipe.stored().await
        && stored.await.is_err()
    {
        return Ok(acknowledgement(bytes, AckCode::Reject, Some(&Refusal::not_stored())));
    }
    Ok(acknowledgement(bytes, AckCode::Accept, None))
}

/// Why a message was not accepted, as HL7 table 0357 codes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HL7 error code (`101`: required field missing…).
    pub code: &'static str,
    /// Its name in table 0357.
    pub name: &'static str,
    /// What was wrong, for the sender's log.
    pub text: String,
}

impl Refusal {
    fn of(err: &DecodeError) -> Refusal {
        let (code, name) = match err {
            DecodeError::Hl7(Hl7Error::Missing(_)) => ("101", "Required field missing"),
            DecodeError::Hl7(Hl7Error::Time(_)) => ("102", "Data type error"),
            DecodeError::Hl7(Hl7Error::NoHeader | Hl7Error::Segment { .. }) => ("100", "Segment sequence error"),
            _ => ("207", "Application internal error"),
        };
        Refusal { code, name, text: err.to_string() }
    }

    fn not_stored() -> Refusal {
        Refusal {
            code: "207",
            name: "Application internal error",
            text: "the message could not be stored; send it again later".into(),
        }
    }

    fn shutting_down() -> Refusal {
        Refusal {
            code: "207",
            name: "Application internal error",
            text: "SafeCare is shutting down; send it again later".into(),
        }
    }
}

/// Gives every acknowledgement its own control id.
static SENT: AtomicU64 = AtomicU64::new(0);

/// The acknowledgement of `message` (raw bytes as received): `MSH` with
/// sender and receiver swapped, `MSA` with the code and the message's
/// control id, and `ERR` for a refusal. Whatever of the original header is
/// readable is used, so even a broken message is answered by its control id.
pub fn acknowledgement(message: &[u8], code: AckCode, refusal: Option<&Refusal>) -> String {
    let text = String::from_utf8_lossy(message);
    let parsed = Message::parse(&text).ok();
    let d = parsed.as_ref().map(Message::delimiters).unwrap_or_default();
    let header = parsed.as_ref().map(Message::header_fields).unwrap_or_default();
    let Header { sending_application, sending_facility, receiving_application, receiving_facility, .. } = &header;
    let now = Timestamp::now();
    let sent = now.strftime("%Y%m%d%H%M%S+0000");
    let id = format!("SC{}{:04}", now.as_millisecond(), SENT.fetch_add(1, Ordering::Relaxed) % 10_000);
    let version = if header.version.is_empty() { "2.5.1" } else { header.version.as_str() };
    let processing = if header.processing_id.is_empty() { "P" } else { header.processing_id.as_str() };
    let f = d.field;
    let e = |s: &str| d.escape(s);
    let mut out = format!(
        "MSH{f}{}{}{}{}{f}{}{f}{}{f}{}{f}{}{f}{sent}{f}{f}ACK{c}{}{c}ACK{f}{id}{f}{}{f}{}\r",
        d.component,
        d.repetition,
        d.escape,
        d.subcomponent,
        e(receiving_application),
        e(receiving_facility),
        e(sending_application),
        e(sending_facility),
        e(&header.trigger),
        e(processing),
        e(version),
        c = d.component,
    );
    out.push_str(&format!("MSA{f}{}{f}{}", code.as_str(), e(&header.control_id)));
    if let Some(refusal) = refusal {
        out.push_str(&format!("{f}{}\r", e(&refusal.text)));
        out.push_str(&format!(
            "ERR{f}{f}{f}{}{c}{}{c}HL70357{f}E{f}{f}{f}{f}{}\r",
            refusal.code,
            e(refusal.name),
            e(&refusal.text),
            c = d.component
        ));
    } else {
        out.push('\r');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(bytes: &[u8], max: usize) -> Vec<Frame> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut reader = BufReader::new(bytes);
            let mut out = Vec::new();
            while let Some(frame) = read_frame(&mut reader, max).await.unwrap() {
                out.push(frame);
            }
            out
        })
    }

    #[test]
    fn frames_are_read_between_the_blocks_and_noise_before_them_is_skipped() {
        let got = frames(b"\r\n\x0bMSH|a\x1c\r\x0bMSH|b\rPID|1\x1c\r", 100);
        assert_eq!(got, [Frame::Message(b"MSH|a".to_vec()), Frame::Message(b"MSH|b\rPID|1".to_vec())]);
        let big = [b"\x0b".as_slice(), &[b'x'; 300], b"\x1c\r\x0bMSH|c\x1c\r"].concat();
        let got = frames(&big, 100);
        assert!(matches!(&got[0], Frame::TooLarge(head) if head.len() == 300.min(MAX_HEADER_BYTES)));
        assert_eq!(got[1], Frame::Message(b"MSH|c".to_vec()));
    }

    #[test]
    fn an_acknowledgement_swaps_the_parties_and_names_the_control_id() {
        let message = b"MSH|^~\\&|LAB|HQ|SAFECARE|SOC|20261205101500||ORU^R01|C-17|P|2.5.1\rPID|1\r";
        let ack = acknowledgement(message, AckCode::Accept, None);
        let segments: Vec<&str> = ack.trim_end().split('\r').collect();
        let msh: Vec<&str> = segments[0].split('|').collect();
        assert_eq!(&msh[2..6], ["SAFECARE", "SOC", "LAB", "HQ"]);
        assert_eq!(msh[8], "ACK^R01^ACK");
        assert_eq!(&msh[10..12], ["P", "2.5.1"]);
        assert_eq!(segments[1], "MSA|AA|C-17");
        assert_eq!(segments.len(), 2);
    }

    #[test]
    fn a_refusal_carries_its_reason_and_code_escaped() {
        let message = b"MSH|^~\\&|LAB|HQ|SAFECARE|SOC|20261205101500||ORU^R01||P|2.5.1\r";
        let err = DecodeError::Hl7(Hl7Error::Missing("MSH-10"));
        let ack = acknowledgement(message, AckCode::Error, Some(&Refusal::of(&err)));
        let segments: Vec<&str> = ack.trim_end().split('\r').collect();
        assert_eq!(segments[1], "MSA|AE||HL7 v2: MSH-10 is required and empty");
        assert_eq!(segments[2], "ERR|||101^Required field missing^HL70357|E||||HL7 v2: MSH-10 is required and empty");
        let garbage = acknowledgement(
            b"not hl7 | at ^ all",
            AckCode::Error,
            Some(&Refusal::of(&DecodeError::Hl7(Hl7Error::NoHeader))),
        );
        assert!(garbage.contains("MSA|AE||HL7 v2: an HL7 v2 message starts with an MSH segment"), "{garbage}");
    }
}
