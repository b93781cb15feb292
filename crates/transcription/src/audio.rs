//! What an uploaded recording is: WAV, FLAC, MP3 or Ogg Vorbis, checked whole before
//! anything is stored, and decoded to the 16 kHz mono samples a recogniser wants. One
//! decoder, `symphonia`, reads them all (`decode`); `container` says which one a file is
//! from its first bytes, `wav` keeps what symphonia cannot judge about a WAV.
//!
//! Invariants:
//! - A file that is not audio, a truncated or damaged one, a recording of 0 seconds and one
//!   over `MAX_DURATION_MS` are each refused with a message naming the problem; none panics.
//! - FLAC, MP3 and Ogg are decoded to their end at upload, so a damaged frame is found then,
//!   not by the drafting job; a WAV's samples cannot be damaged, only missing, so its
//!   header and data chunk are checked without decoding.

mod container;
mod decode;
mod wav;

pub use container::Container;
pub use wav::wav_bytes;

use thiserror::Error;

/// Longest recording accepted: 3 hours (a dictation longer than that is a mistake, an
/// open microphone, not a note).
pub const MAX_DURATION_MS: i64 = 3 * 60 * 60 * 1000;

/// The sample rate recognisers are trained on (PocketSphinx's en-us model).
pub const RECOGNISER_RATE: u32 = 16_000;

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AudioError {
    /// None of the accepted containers.
    #[error(
        "not an audio file: expected WAV (RIFF/WAVE), FLAC (fLaC), MP3 (ID3 or an MPEG audio frame) or Ogg Vorbis (OggS), but it starts with {0}"
    )]
    NotAudio(String),
    /// A container we read holding a codec we do not.
    #[error(
        "{0} is not accepted: expected WAV, FLAC, MP3 or Ogg Vorbis (convert the recording to one of them)"
    )]
    Unsupported(String),
    /// A file cut short.
    #[error("truncated {format}: {detail}")]
    Truncated {
        /// `WAV`, `FLAC`, `MP3` or `Ogg Vorbis`.
        format: &'static str,
        /// What is missing.
        detail: String,
    },
    /// A file whose header or a frame cannot be read.
    #[error("damaged {format}: {detail}")]
    Damaged {
        /// `WAV`, `FLAC`, `MP3` or `Ogg Vorbis`.
        format: &'static str,
        /// What the decoder said, and where.
        detail: String,
    },
    /// No samples at all.
    #[error("the recording is empty: 0 seconds of audio")]
    Empty,
    /// Longer than three hours.
    #[error("the recording is {0} long; at most 3 hours are accepted")]
    TooLong(String),
}

/// What a valid recording is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioInfo {
    /// `wav`, `flac`, `mp3` or `ogg`.
    pub format: &'static str,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Length in milliseconds.
    pub duration_ms: i64,
}

/// "1 h 02 min 05 s", for messages.
pub fn describe_duration(ms: i64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h} h {m:02} min {s:02} s")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{}.{:01} s", s, ms % 1000 / 100)
    }
}

fn duration_ms(frames: u64, rate: u32) -> i64 {
    i64::try_from(frames.saturating_mul(1000) / u64::from(rate.max(1))).unwrap_or(i64::MAX)
}

fn checked(info: AudioInfo, frames: u64) -> Result<AudioInfo, AudioError> {
    if frames == 0 {
        return Err(AudioError::Empty);
    }
    if info.duration_ms > MAX_DURATION_MS {
        return Err(AudioError::TooLong(describe_duration(info.duration_ms)));
    }
    Ok(info)
}

/// Checks `bytes` whole and says what recording it is.
pub fn inspect(bytes: &[u8]) -> Result<AudioInfo, AudioError> {
    read(bytes, false).map(|(info, _)| info)
}

/// The info, and with `keep` the channels averaged at the file's own rate.
fn read(bytes: &[u8], keep: bool) -> Result<(AudioInfo, Vec<f32>), AudioError> {
    let container = container::sniff(bytes)?;
    if container == Container::Wav {
        return read_wav(bytes, keep);
    }
    let opened = decode::open(bytes, container)?;
    let (rate, channels, declared) = (opened.rate, opened.channels, opened.declared_frames);
    let decoded = decode::decode(opened, keep)?;
    // A FLAC or Ogg stream cut at a frame boundary decodes cleanly; only its header's
    // length shows what is missing. An MP3 encoder's padding makes its Xing count
    // approximate, so it is held to whole frames only.
    if let Some(declared) = declared
        && decoded.frames + u64::from(container == Container::Mp3) * 1152 < declared
    {
        return Err(AudioError::Truncated {
            format: container.label(),
            detail: format!(
                "its header promises {declared} samples but the file holds {}",
                decoded.frames
            ),
        });
    }
    let info = AudioInfo {
        format: container.format(),
        sample_rate: rate,
        channels,
        duration_ms: duration_ms(decoded.frames, rate),
    };
    Ok((checked(info, decoded.frames)?, decoded.mono))
}

fn read_wav(bytes: &[u8], keep: bool) -> Result<(AudioInfo, Vec<f32>), AudioError> {
    let chunk = wav::data_chunk(bytes)?;
    if !chunk.streamed() && chunk.held < chunk.declared {
        return Err(wav::truncated(format!(
            "its header promises {} bytes of audio but the file holds {}",
            chunk.declared, chunk.held
        )));
    }
    let readable = chunk.as_read(bytes);
    let opened = decode::open(&readable, Container::Wav).map_err(|e| match e {
        AudioError::Truncated { .. } => wav::truncated(format!(
            "the file ends after {} bytes, inside its header",
            bytes.len()
        )),
        other => other,
    })?;
    let frame_bytes = u64::from(opened.channels) * u64::from(opened.bits.unwrap_or(0).div_ceil(8));
    if frame_bytes == 0 {
        return Err(AudioError::Damaged {
            format: "WAV",
            detail: "the header names 0 bits per sample".into(),
        });
    }
    let frames = chunk.audio_bytes() / frame_bytes;
    let info = checked(
        AudioInfo {
            format: "wav",
            sample_rate: opened.rate,
            channels: opened.channels,
            duration_ms: duration_ms(frames, opened.rate),
        },
        frames,
    )?;
    let mono = if keep {
        decode::decode(opened, true)?.mono
    } else {
        Vec::new()
    };
    Ok((info, mono))
}

/// The recording as mono 16-bit samples at `RECOGNISER_RATE` (channels averaged, the rate
/// changed by linear interpolation: enough for speech models trained at 16 kHz).
pub fn decode_for_recogniser(bytes: &[u8]) -> Result<Vec<i16>, AudioError> {
    let (info, mono) = read(bytes, true)?;
    Ok(resample(&mono, info.sample_rate, RECOGNISER_RATE))
}

/// A sample in -1.0..=1.0 at 16 bits (saturating, which is what we want of a float).
fn to_i16(sample: f32) -> i16 {
    (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16
}

fn resample(mono: &[f32], from: u32, to: u32) -> Vec<i16> {
    if from == to || mono.is_empty() {
        return mono.iter().map(|s| to_i16(*s)).collect();
    }
    let step = f64::from(from) / f64::from(to);
    let count = (mono.len() as f64 / step).floor() as usize;
    (0..count)
        .map(|i| {
            let at = i as f64 * step;
            let left = at.floor() as usize;
            let frac = (at - left as f64) as f32;
            let a = mono.get(left).copied().unwrap_or(0.0);
            let b = mono.get(left + 1).copied().unwrap_or(a);
            to_i16(a + (b - a) * frac)
        })
        .collect()
}

#[cfg(test)]
mod tests;
