//! Which container an upload is, from its first bytes, before any decoder sees it: a
//! decoder that hunts for a frame sync would take a text file with a 0xFF byte for MP3.
//!
//! Invariants:
//! - Only WAV, FLAC, MP3 (MPEG-1/2 layer III, with or without an ID3v2 tag first) and
//!   Ogg Vorbis are accepted; Ogg holding another codec (Opus, Speex, FLAC) is named and
//!   refused, as no decoder here reads it.

use super::AudioError;

/// An accepted container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// RIFF/WAVE, PCM.
    Wav,
    /// Native FLAC.
    Flac,
    /// MPEG audio layer III.
    Mp3,
    /// Ogg holding Vorbis.
    Ogg,
}

impl Container {
    /// The name kept on the dictation (`records::Dictation::audio_format`).
    pub fn format(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Flac => "flac",
            Container::Mp3 => "mp3",
            Container::Ogg => "ogg",
        }
    }

    /// The name in messages.
    pub fn label(self) -> &'static str {
        match self {
            Container::Wav => "WAV",
            Container::Flac => "FLAC",
            Container::Mp3 => "MP3",
            Container::Ogg => "Ogg Vorbis",
        }
    }

    /// The media type a browser plays it as.
    pub fn media_type(self) -> &'static str {
        match self {
            Container::Wav => "audio/wav",
            Container::Flac => "audio/flac",
            Container::Mp3 => "audio/mpeg",
            Container::Ogg => "audio/ogg",
        }
    }

    /// The container of a stored format name (`wav` when unknown, as before MP3 and Ogg).
    pub fn of_format(format: &str) -> Container {
        [Container::Flac, Container::Mp3, Container::Ogg]
            .into_iter()
            .find(|c| c.format().eq_ignore_ascii_case(format))
            .unwrap_or(Container::Wav)
    }
}

/// An MPEG audio frame header's first two bytes: 11 sync bits, a version other than the
/// reserved one, layer III.
fn mp3_frame_sync(bytes: &[u8]) -> bool {
    matches!(bytes, [0xff, second, ..] if second & 0xe0 == 0xe0 && second & 0x18 != 0x08 && second & 0x06 == 0x02)
}

/// The codec of an Ogg stream, from its first page's first packet; `Err` when the file
/// ends before that packet's first 8 bytes.
fn ogg_codec(bytes: &[u8]) -> Result<Option<&'static str>, AudioError> {
    let packet = bytes
        .get(26)
        .and_then(|n_segments| bytes.get(27 + usize::from(*n_segments)..))
        .filter(|packet| packet.len() >= 8)
        .ok_or_else(|| AudioError::Truncated {
            format: "Ogg Vorbis",
            detail: format!(
                "the file ends after {} bytes, inside its first page",
                bytes.len()
            ),
        })?;
    Ok([
        (&b"\x01vorbis"[..], "Vorbis"),
        (b"OpusHead", "Opus"),
        (b"Speex   ", "Speex"),
        (b"\x7fFLAC", "FLAC"),
    ]
    .into_iter()
    .find(|(magic, _)| packet.starts_with(magic))
    .map(|(_, name)| name))
}

/// What `bytes` is, or why it is not accepted.
pub fn sniff(bytes: &[u8]) -> Result<Container, AudioError> {
    if bytes.starts_with(b"fLaC") {
        return Ok(Container::Flac);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        return Ok(Container::Wav);
    }
    if bytes.starts_with(b"ID3") || mp3_frame_sync(bytes) {
        return Ok(Container::Mp3);
    }
    if bytes.starts_with(b"OggS") {
        return match ogg_codec(bytes)? {
            Some("Vorbis") => Ok(Container::Ogg),
            Some(codec) => Err(AudioError::Unsupported(format!("Ogg {codec}"))),
            None => Err(AudioError::Unsupported(
                "an Ogg stream of an unknown codec".into(),
            )),
        };
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
