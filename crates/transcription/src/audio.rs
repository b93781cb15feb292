//! What an uploaded recording is: WAV (`hound`) or FLAC (`claxon`), checked whole before
//! anything is stored, and decoded to the 16 kHz mono samples a recogniser wants.
//!
//! Invariants:
//! - A file that is not audio, a truncated or damaged one, a recording of 0 seconds and one
//!   over `MAX_DURATION_MS` are each refused with a message naming the problem; none panics.
//! - A WAV is truncated when its data chunk promises more bytes than the file holds (a copy
//!   cut short); the chunk walk is ours because hound reads a short file silently up to
//!   where it stops.

use std::io::Cursor;
use thiserror::Error;

/// Longest recording accepted: 3 hours (a dictation longer than that is a mistake, an
/// open microphone, not a note).
pub const MAX_DURATION_MS: i64 = 3 * 60 * 60 * 1000;

/// The sample rate recognisers are trained on (PocketSphinx's en-us model).
pub const RECOGNISER_RATE: u32 = 16_000;

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AudioError {
    /// Neither WAV nor FLAC.
    #[error("not an audio file: expected WAV (RIFF/WAVE) or FLAC (fLaC), but it starts with {0}")]
    NotAudio(String),
    /// A WAV or FLAC cut short.
    #[error("truncated {format}: {detail}")]
    Truncated {
        /// `WAV` or `FLAC`.
        format: &'static str,
        /// What is missing.
        detail: String,
    },
    /// A WAV or FLAC whose header cannot be read.
    #[error("damaged {format}: {detail}")]
    Damaged {
        /// `WAV` or `FLAC`.
        format: &'static str,
        /// What the decoder said.
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
    /// `wav` or `flac`.
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
    if bytes.starts_with(b"fLaC") {
        return inspect_flac(bytes).map(|(info, _)| info);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return inspect_wav(bytes);
    }
    let head: String = bytes
        .iter()
        .take(8)
        .map(|b| {
            if b.is_ascii_graphic() {
                char::from(*b).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    Err(AudioError::NotAudio(if bytes.is_empty() {
        "nothing (the file is empty)".into()
    } else {
        format!("\"{head}\"")
    }))
}

fn wav_damaged(detail: impl std::fmt::Display) -> AudioError {
    AudioError::Damaged {
        format: "WAV",
        detail: detail.to_string(),
    }
}

fn wav_truncated(detail: String) -> AudioError {
    AudioError::Truncated {
        format: "WAV",
        detail,
    }
}

/// The data chunk's declared size and how many bytes of it the file holds.
fn wav_data_chunk(bytes: &[u8]) -> Result<(u64, u64), AudioError> {
    let mut at = 12usize;
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            return Err(wav_truncated(format!(
                "the file ends after {} bytes, before its data chunk",
                bytes.len()
            )));
        };
        let size = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        let body = at + 8;
        if &header[..4] == b"data" {
            let held = (bytes.len() - body) as u64;
            return Ok((size, held));
        }
        // Chunks are padded to an even size.
        let next = body as u64 + size + (size & 1);
        at = usize::try_from(next).unwrap_or(usize::MAX);
    }
}

/// Streaming writers that could not seek back leave the size unset: 0, or a placeholder of
/// about 2 GiB (all ones; espeak-ng's `--stdout` writes 0x7ffff000). The data then runs to
/// the end of the file.
fn streamed(declared: u64, held: u64) -> bool {
    declared >= 0x7fff_0000 || (declared == 0 && held > 0)
}

/// How many bytes of audio the WAV holds.
fn wav_audio_bytes(bytes: &[u8]) -> Result<u64, AudioError> {
    let (declared, held) = wav_data_chunk(bytes)?;
    Ok(if streamed(declared, held) {
        held
    } else {
        declared.min(held)
    })
}

fn inspect_wav(bytes: &[u8]) -> Result<AudioInfo, AudioError> {
    let (declared, held) = wav_data_chunk(bytes)?;
    let reader = hound::WavReader::new(Cursor::new(bytes)).map_err(|e| match e {
        hound::Error::IoError(_) => wav_truncated(format!(
            "the file ends after {} bytes, inside its header",
            bytes.len()
        )),
        other => wav_damaged(other),
    })?;
    let spec = reader.spec();
    let streamed = streamed(declared, held);
    if !streamed && held < declared {
        return Err(wav_truncated(format!(
            "its header promises {declared} bytes of audio but the file holds {held}"
        )));
    }
    let frame_bytes = u64::from(spec.channels) * u64::from(spec.bits_per_sample.div_ceil(8));
    if frame_bytes == 0 || spec.sample_rate == 0 {
        return Err(wav_damaged(
            "the header names 0 channels, 0 bits or 0 samples per second",
        ));
    }
    let frames = if streamed { held } else { declared } / frame_bytes;
    let info = AudioInfo {
        format: "wav",
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        duration_ms: duration_ms(frames, spec.sample_rate),
    };
    checked(info, frames)
}

fn flac_error(e: claxon::Error) -> AudioError {
    match e {
        claxon::Error::IoError(_) => AudioError::Truncated {
            format: "FLAC",
            detail: "the file ends inside a frame or its header".into(),
        },
        other => AudioError::Damaged {
            format: "FLAC",
            detail: other.to_string(),
        },
    }
}

/// The info and the decoded samples (interleaved, as 32-bit integers of `bits` bits).
fn inspect_flac(bytes: &[u8]) -> Result<(AudioInfo, FlacSamples), AudioError> {
    let mut reader = claxon::FlacReader::new(Cursor::new(bytes)).map_err(flac_error)?;
    let stream = reader.streaminfo();
    let info = AudioInfo {
        format: "flac",
        sample_rate: stream.sample_rate,
        channels: u16::try_from(stream.channels).unwrap_or(u16::MAX),
        duration_ms: duration_ms(stream.samples.unwrap_or(0), stream.sample_rate),
    };
    // Refuse an over-long stream before decoding hours of it.
    if info.duration_ms > MAX_DURATION_MS {
        return Err(AudioError::TooLong(describe_duration(info.duration_ms)));
    }
    let mut samples = Vec::new();
    for sample in reader.samples() {
        samples.push(sample.map_err(flac_error)?);
    }
    let channels = u64::from(stream.channels.max(1));
    let frames = samples.len() as u64 / channels;
    if let Some(declared) = stream.samples
        && frames < declared
    {
        return Err(AudioError::Truncated {
            format: "FLAC",
            detail: format!("its header promises {declared} samples but the file holds {frames}"),
        });
    }
    let info = AudioInfo {
        duration_ms: duration_ms(frames, stream.sample_rate),
        ..info
    };
    let info = checked(info, frames)?;
    Ok((
        info,
        FlacSamples {
            samples,
            bits: stream.bits_per_sample,
        },
    ))
}

struct FlacSamples {
    samples: Vec<i32>,
    bits: u32,
}

/// Scales a sample of `bits` bits to 16 bits.
fn to_i16(sample: i32, bits: u32) -> i16 {
    let shifted = match bits {
        0..=16 => sample << (16 - bits.max(1)),
        _ => sample >> (bits - 16),
    };
    i16::try_from(shifted.clamp(i32::from(i16::MIN), i32::from(i16::MAX))).unwrap_or(0)
}

/// The recording as mono 16-bit samples at `RECOGNISER_RATE` (channels averaged, the rate
/// changed by linear interpolation: enough for speech models trained at 16 kHz).
pub fn decode_for_recogniser(bytes: &[u8]) -> Result<Vec<i16>, AudioError> {
    let info = inspect(bytes)?;
    let channels = usize::from(info.channels.max(1));
    let interleaved: Vec<i16> = if info.format == "flac" {
        let (_, decoded) = inspect_flac(bytes)?;
        decoded
            .samples
            .iter()
            .map(|s| to_i16(*s, decoded.bits))
            .collect()
    } else {
        let mut reader = hound::WavReader::new(Cursor::new(bytes)).map_err(wav_damaged)?;
        let spec = reader.spec();
        // Only the samples the file holds (a streamed WAV's header promises more).
        let sample_bytes = u64::from(spec.bits_per_sample.div_ceil(8)).max(1);
        let held = usize::try_from(wav_audio_bytes(bytes)? / sample_bytes).unwrap_or(usize::MAX);
        match spec.sample_format {
            hound::SampleFormat::Float => reader
                .samples::<f32>()
                .take(held)
                .map(|s| {
                    s.map(|v| {
                        // Saturating float-to-int conversion is what we want here.
                        (v.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16
                    })
                })
                .collect::<Result<_, _>>()
                .map_err(wav_damaged)?,
            hound::SampleFormat::Int => reader
                .samples::<i32>()
                .take(held)
                .map(|s| s.map(|v| to_i16(v, u32::from(spec.bits_per_sample))))
                .collect::<Result<_, _>>()
                .map_err(wav_damaged)?,
        }
    };
    let mono: Vec<f32> = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().map(|s| f32::from(*s)).sum::<f32>() / frame.len() as f32)
        .collect();
    Ok(resample(&mono, info.sample_rate, RECOGNISER_RATE))
}

fn resample(mono: &[f32], from: u32, to: u32) -> Vec<i16> {
    if from == to || mono.is_empty() {
        return mono.iter().map(|s| *s as i16).collect();
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
            (a + (b - a) * frac) as i16
        })
        .collect()
}

/// A 16-bit mono WAV of `samples` at `rate`, as bytes.
pub fn wav_bytes(samples: &[i16], rate: u32) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut out, spec)?;
        for sample in samples {
            writer.write_sample(*sample)?;
        }
        writer.finalize()?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(describe_duration(1500), "1.5 s");
        assert_eq!(describe_duration(65_000), "1 min 05 s");
        assert_eq!(describe_duration(3 * 3_600_000 + 61_000), "3 h 01 min 01 s");
    }

    #[test]
    fn a_sample_keeps_its_level_at_16_bits() {
        assert_eq!(to_i16(1 << 23, 24), 32_767);
        assert_eq!(to_i16(-128, 8), -32_768);
        assert_eq!(to_i16(100, 16), 100);
    }
}
