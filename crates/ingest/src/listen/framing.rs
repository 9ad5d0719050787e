//! Syslog over a stream (RFC 6587): octet-counting (`LEN SP MSG`) and
//! newline-terminated frames, detected per frame, as RFC 5425 (TLS) uses
//! the first and many senders the second. A syslog message starts with
//! `<`, so a leading digit can only be an octet count.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A newline frame longer than the limit; it was skipped and the next
    /// frame can be read.
    #[error("frame of more than {max} bytes skipped")]
    TooLarge {
        /// The limit, in bytes.
        max: usize,
    },
    /// An octet count that is not a number or is over the limit; the
    /// stream cannot be resynchronised and the connection must close.
    #[error("invalid octet count {0:?}")]
    BadLength(String),
    /// The connection closed in the middle of an octet-counted frame.
    #[error("connection ended inside a {expected}-byte frame")]
    Truncated {
        /// The frame's announced length.
        expected: usize,
    },
    /// Reading the connection failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl FrameError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            FrameError::TooLarge { .. } => "frame_too_large",
            FrameError::BadLength(_) => "bad_octet_count",
            FrameError::Truncated { .. } => "frame_truncated",
            FrameError::Io(_) => "io",
        }
    }

    /// Whether reading can go on after this error.
    pub fn is_recoverable(&self) -> bool {
        matches!(self, FrameError::TooLarge { .. })
    }
}

/// Reads frames from a buffered stream.
pub struct FrameReader<R> {
    reader: R,
    max: usize,
}

/// Octet counts longer than this many digits exceed any sane limit.
const MAX_LEN_DIGITS: usize = 9;

impl<R: AsyncBufRead + Unpin> FrameReader<R> {
    /// Reads frames of at most `max` bytes from `reader`.
    pub fn new(reader: R, max: usize) -> Self {
        FrameReader { reader, max }
    }

    /// The next frame, or `None` at the end of the stream.
    pub async fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let first = loop {
            let buf = self.reader.fill_buf().await?;
            let Some(&first) = buf.first() else { return Ok(None) };
            let skip = buf.iter().take_while(|b| matches!(b, b'\n' | b'\r' | b'\0' | b' ')).count();
            if skip == 0 {
                break first;
            }
            self.reader.consume(skip);
        };
        if first.is_ascii_digit() { self.octet_counted().await.map(Some) } else { self.newline_terminated().await }
    }

    async fn octet_counted(&mut self) -> Result<Vec<u8>, FrameError> {
        let mut digits = String::new();
        loop {
            let mut byte = [0u8; 1];
            if self.reader.read(&mut byte).await? == 0 {
                return Err(FrameError::BadLength(digits));
            }
            match byte[0] {
                b' ' => break,
                b if b.is_ascii_digit() && digits.len() < MAX_LEN_DIGITS => digits.push(char::from(b)),
                b => {
                    digits.push(char::from(b));
                    return Err(FrameError::BadLength(digits));
                }
            }
        }
        let len: usize = digits.parse().map_err(|_| FrameError::BadLength(digits.clone()))?;
        if len == 0 || len > self.max {
            return Err(FrameError::BadLength(digits));
        }
        let mut frame = vec![0u8; len];
        self.reader.read_exact(&mut frame).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => FrameError::Truncated { expected: len },
            _ => FrameError::Io(e),
        })?;
        Ok(frame)
    }

    async fn newline_terminated(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let mut frame = Vec::new();
        let limit = u64::try_from(self.max).unwrap_or(u64::MAX).saturating_add(1);
        (&mut self.reader).take(limit).read_until(b'\n', &mut frame).await?;
        if frame.last() == Some(&b'\n') {
            frame.pop();
            return Ok(Some(frame));
        }
        if frame.len() <= self.max {
            // End of stream without a final newline.
            return Ok(if frame.is_empty() { None } else { Some(frame) });
        }
        // Skip the rest of the oversized line, keeping memory bounded.
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                break;
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    self.reader.consume(at + 1);
                    break;
                }
                None => {
                    let n = buf.len();
                    self.reader.consume(n);
                }
            }
        }
        Err(FrameError::TooLarge { max: self.max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8], max: usize) -> Vec<Result<Vec<u8>, String>> {
        let mut reader = FrameReader::new(input, max);
        let mut out = Vec::new();
        loop {
            match reader.next_frame().await {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => break,
                Err(e) => {
                    let fatal = !e.is_recoverable();
                    out.push(Err(e.kind().to_owned()));
                    if fatal {
                        break;
                    }
                }
            }
        }
        out
    }

    #[tokio::test]
    async fn mixed_framing_in_one_stream() {
        let got = frames(b"11 <13>hello\nx<14>line two\n\n<15>last", 100).await;
        assert_eq!(got, vec![Ok(b"<13>hello\nx".to_vec()), Ok(b"<14>line two".to_vec()), Ok(b"<15>last".to_vec())]);
    }

    #[tokio::test]
    async fn oversized_line_is_skipped_and_reading_goes_on() {
        let mut input = b"<13>".to_vec();
        input.extend(std::iter::repeat_n(b'x', 50));
        input.extend(b"\n<13>ok\n");
        let got = frames(&input, 20).await;
        assert_eq!(got, vec![Err("frame_too_large".into()), Ok(b"<13>ok".to_vec())]);
    }

    #[tokio::test]
    async fn bad_counts_and_truncation_are_fatal() {
        assert_eq!(frames(b"12x <13>a", 100).await, vec![Err("bad_octet_count".into())]);
        assert_eq!(frames(b"500 <13>a", 100).await, vec![Err("bad_octet_count".into())]);
        assert_eq!(frames(b"1234567890123 <13>a", u32::MAX as usize).await, vec![Err("bad_octet_count".into())]);
        assert_eq!(frames(b"20 <13>short", 100).await, vec![Err("frame_truncated".into())]);
    }
}
