//! The parts of a WAV file `symphonia` trusts and we cannot: the data chunk's size, walked
//! by hand, and the 16 kHz mono WAV the recogniser reads, written by hand (a 44-byte header).
//!
//! Invariants:
//! - A WAV is truncated when its data chunk promises more bytes than the file holds (a copy
//!   cut short); the reader would otherwise stop silently where the bytes stop.
//! - A streamed WAV (its size never filled in) is read to the end of the file.

use super::AudioError;

pub(super) fn truncated(detail: String) -> AudioError {
    AudioError::Truncated {
        format: "WAV",
        detail,
    }
}

/// Where the data chunk's size field is, the size it declares and how many bytes of it the
/// file holds.
pub(super) fn data_chunk(bytes: &[u8]) -> Result<DataChunk, AudioError> {
    let mut at = 12usize;
    loop {
        let Some(header) = bytes.get(at..at.saturating_add(8)) else {
            return Err(truncated(format!(
                "the file ends after {} bytes, before its data chunk",
                bytes.len()
            )));
        };
        let size = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        let body = at + 8;
        if &header[..4] == b"data" {
            return Ok(DataChunk {
                size_at: at + 4,
                declared: size,
                held: (bytes.len() - body) as u64,
            });
        }
        // Chunks are padded to an even size.
        let next = body as u64 + size + (size & 1);
        at = usize::try_from(next).unwrap_or(usize::MAX);
    }
}

pub(super) struct DataChunk {
    size_at: usize,
    pub(super) declared: u64,
    pub(super) held: u64,
}

impl DataChunk {
    /// Streaming writers that could not seek back leave the size unset: 0, or a placeholder
    /// of about 2 GiB (all ones; espeak-ng's `--stdout` writes 0x7ffff000). The data then
    /// runs to the end of the file.
    pub(super) fn streamed(&self) -> bool {
        self.declared >= 0x7fff_0000 || (self.declared == 0 && self.held > 0)
    }

    /// The bytes of audio the file holds.
    pub(super) fn audio_bytes(&self) -> u64 {
        if self.streamed() {
            self.held
        } else {
            self.declared.min(self.held)
        }
    }

    /// The file with its data chunk's size set to what it holds, for a streamed WAV:
    /// `symphonia` believes the header, so it would read nothing of a size of 0 and fail at
    /// the end of the file short of a placeholder's 2 GiB.
    pub(super) fn as_read<'a>(&self, bytes: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        if !self.streamed() {
            return std::borrow::Cow::Borrowed(bytes);
        }
        let mut fixed = bytes.to_vec();
        let size = u32::try_from(self.held)
            .unwrap_or(u32::MAX - 1)
            .to_le_bytes();
        if let Some(field) = fixed.get_mut(self.size_at..self.size_at + 4) {
            field.copy_from_slice(&size);
        }
        std::borrow::Cow::Owned(fixed)
    }
}

/// A 16-bit mono PCM WAV of `samples` at `rate`, as bytes.
pub fn wav_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    let data_len = u32::try_from(samples.len() * 2).unwrap_or(u32::MAX - 36);
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}
