//! Checks every decoder makes on raw input before parsing it.

/// The largest single record (one syslog line, one JSON object) accepted.
///
/// Larger records are refused with [`InputError::TooLarge`] instead of being
/// cut, so a truncated event never reaches detection looking complete.
pub const MAX_RECORD_LEN: usize = 256 * 1024;

/// Input that no decoder can read, whatever its format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// No bytes at all.
    #[error("input is empty")]
    Empty,
    /// More bytes than accepted.
    #[error("input is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// The input's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not UTF-8 text.
    #[error("input is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 {
        /// Where the first invalid byte is.
        offset: usize,
    },
}

impl InputError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            InputError::Empty => "empty",
            InputError::TooLarge { .. } => "too_large",
            InputError::InvalidUtf8 { .. } => "invalid_utf8",
        }
    }
}

/// The input as text, after the size and encoding checks; a UTF-8 byte-order
/// mark and surrounding whitespace (including the line terminator) are dropped.
pub fn text(input: &[u8], max: usize) -> Result<&str, InputError> {
    if input.len() > max {
        return Err(InputError::TooLarge { len: input.len(), max });
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|e| InputError::InvalidUtf8 { offset: e.valid_up_to() })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_size_encoding_and_emptiness() {
        assert_eq!(text(b"\xEF\xBB\xBF hello\r\n", 100), Ok("hello"));
        assert_eq!(text(b" \n", 100), Err(InputError::Empty));
        assert_eq!(text(b"abcdef", 5), Err(InputError::TooLarge { len: 6, max: 5 }));
        assert_eq!(text(b"ab\xFFcd", 100), Err(InputError::InvalidUtf8 { offset: 2 }));
    }
}
