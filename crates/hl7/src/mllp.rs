//! MLLP framing (HL7 v2.5.1 Implementation Guide, Appendix C, "Minimal Lower Layer
//! Protocol"): a message travels as `0x0B payload 0x1C 0x0D`.
//!
//! Invariants:
//! - `Decoder::decode` never panics, buffers at most `max_frame` payload bytes, and hands
//!   frames out whole; a partial frame waits for more bytes.
//! - Bytes outside a frame are discarded and counted, never parsed as a message.
//! - A frame over the limit is an error; the caller answers it and closes the connection.

/// Start block.
pub const START: u8 = 0x0B;
/// End block, followed by a carriage return.
pub const END: u8 = 0x1C;
/// The carriage return after the end block.
pub const CR: u8 = 0x0D;
/// The default largest payload accepted (1 MiB: an ORU with embedded text fits).
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// A framing failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The payload grew past the limit before its end block.
    #[error("mllp: frame exceeds {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
}

/// Splits a byte stream into MLLP payloads.
#[derive(Debug)]
pub struct Decoder {
    max_frame: usize,
    in_frame: bool,
    skipped: usize,
}

impl Decoder {
    /// A decoder refusing payloads over `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        Self {
            max_frame,
            in_frame: false,
            skipped: 0,
        }
    }

    /// Bytes discarded so far because they were outside any frame.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Drops the oversized frame's bytes, so the buffer stays bounded even if the caller
    /// goes on reading.
    fn too_large(&mut self, buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, FrameError> {
        buf.clear();
        self.in_frame = false;
        Err(FrameError::TooLarge {
            max: self.max_frame,
        })
    }

    /// Takes the next whole payload off the front of `buf`, or `None` until more bytes come.
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, FrameError> {
        if !self.in_frame {
            match buf.iter().position(|&b| b == START) {
                Some(at) => {
                    self.skipped += at;
                    buf.drain(..=at);
                    self.in_frame = true;
                }
                None => {
                    self.skipped += buf.len();
                    buf.clear();
                    return Ok(None);
                }
            }
        }
        // The end block must be followed by CR; a lone 0x1C is payload (it cannot occur in
        // HL7 text, but the decoder must not guess).
        let end = buf.windows(2).position(|w| w == [END, CR]);
        match end {
            Some(at) if at <= self.max_frame => {
                let payload: Vec<u8> = buf.drain(..at).collect();
                buf.drain(..2);
                self.in_frame = false;
                Ok(Some(payload))
            }
            Some(_) => self.too_large(buf),
            None if buf.len() > self.max_frame + 1 => self.too_large(buf),
            None => Ok(None),
        }
    }
}

/// Appends `payload` to `out` as one MLLP frame.
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(payload.len() + 3);
    out.push(START);
    out.extend_from_slice(payload);
    out.push(END);
    out.push(CR);
}

#[cfg(test)]
mod tests;
