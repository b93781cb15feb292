//! Every accepted container read by one decoder, `symphonia`: its track's rate, channels and
//! declared length, then each packet decoded, counted and (when asked) mixed down to mono.
//!
//! Invariants:
//! - A decoder's complaint becomes `Damaged` naming the container and the time it was
//!   reached; the file ending inside a header or a frame becomes `Truncated`.
//! - A length declared in the header (FLAC's STREAMINFO, an MP3's Xing/Info frame count,
//!   an Ogg stream's last granule position, a WAV's data chunk) over the limit is refused
//!   before anything is decoded; a length found only by reading is counted packet by packet
//!   once past the limit, without decoding further.

use super::container::Container;
use super::{AudioError, MAX_DURATION_MS, describe_duration, duration_ms};
use std::io::Cursor;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::errors::Error as Fault;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::default::formats::{FlacReader, MpaReader, OggReader, WavReader};

/// A container opened, its audio track found.
pub(super) struct Opened<'a> {
    container: Container,
    len: usize,
    reader: Box<dyn FormatReader + 'a>,
    track_id: u32,
    params: AudioCodecParameters,
    pub(super) rate: u32,
    pub(super) channels: u16,
    /// Bits per sample (PCM and FLAC only).
    pub(super) bits: Option<u32>,
    /// Frames the header promises, when it says.
    pub(super) declared_frames: Option<u64>,
}

/// What a decoder's error means for the person who uploaded the file; `at_ms` is how far
/// decoding had come (none while the header was read), `len` the file's size.
fn refusal(container: Container, fault: Fault, at_ms: Option<i64>, len: usize) -> AudioError {
    let format = container.label();
    let ended =
        matches!(&fault, Fault::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof);
    match (ended, at_ms) {
        // The MP3 reader hunts for a frame to the end of the file, so ending while opening
        // means no frame was whole, however far the file went.
        (true, None) if container == Container::Mp3 => AudioError::Damaged {
            format,
            detail: format!("no whole MPEG audio frame in its {len} bytes"),
        },
        // The Ogg reader reads the last page for the stream's length as it opens.
        (true, None) if container == Container::Ogg => AudioError::Truncated {
            format,
            detail: format!("the file ends after {len} bytes, inside a page"),
        },
        (true, None) => AudioError::Truncated {
            format,
            detail: "the file ends inside its header".into(),
        },
        (true, Some(ms)) => AudioError::Truncated {
            format,
            detail: format!("the file ends inside a frame at {}", describe_duration(ms)),
        },
        (false, at_ms) => AudioError::Damaged {
            format,
            detail: match at_ms {
                None => fault.to_string(),
                Some(ms) => format!("{fault} at {}", describe_duration(ms)),
            },
        },
    }
}

pub(super) fn open(bytes: &[u8], container: Container) -> Result<Opened<'_>, AudioError> {
    let source = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let options = FormatOptions::default();
    let reader: Result<Box<dyn FormatReader + '_>, Fault> = match container {
        Container::Wav => WavReader::try_new(source, options).map(|r| Box::new(r) as _),
        Container::Flac => FlacReader::try_new(source, options).map(|r| Box::new(r) as _),
        Container::Mp3 => MpaReader::try_new(source, options).map(|r| Box::new(r) as _),
        Container::Ogg => OggReader::try_new(source, options).map(|r| Box::new(r) as _),
    };
    let reader = reader.map_err(|e| refusal(container, e, None, bytes.len()))?;
    let damaged = |detail: &str| AudioError::Damaged {
        format: container.label(),
        detail: detail.into(),
    };
    let track = reader
        .default_track(TrackType::Audio)
        .ok_or_else(|| damaged("it holds no audio track"))?;
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(damaged("its audio track has no codec parameters"));
    };
    let rate = params
        .sample_rate
        .filter(|rate| *rate > 0)
        .ok_or_else(|| damaged("the header names no sample rate (or 0 samples per second)"))?;
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    if channels == 0 {
        return Err(damaged("the header names 0 channels"));
    }
    Ok(Opened {
        container,
        len: bytes.len(),
        track_id: track.id,
        params: params.clone(),
        rate,
        channels: u16::try_from(channels).unwrap_or(u16::MAX),
        bits: params.bits_per_sample,
        declared_frames: track.num_frames,
        reader,
    })
}

/// What a whole read found.
pub(super) struct Decoded {
    /// Frames decoded (or counted past the limit).
    pub(super) frames: u64,
    /// The channels averaged, each sample in -1.0..=1.0; empty unless asked for.
    pub(super) mono: Vec<f32>,
}

/// Decodes every packet of the audio track; `keep` keeps the mono samples.
pub(super) fn decode(mut opened: Opened<'_>, keep: bool) -> Result<Decoded, AudioError> {
    let container = opened.container;
    let limit = u64::try_from(MAX_DURATION_MS).unwrap_or(u64::MAX) * u64::from(opened.rate) / 1000;
    if let Some(declared) = opened.declared_frames
        && declared > limit
    {
        return Err(AudioError::TooLong(describe_duration(duration_ms(
            declared,
            opened.rate,
        ))));
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&opened.params, &AudioDecoderOptions::default())
        .map_err(|e| refusal(container, e, None, opened.len))?;
    let mut frames = 0u64;
    let mut mono = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    // Where the next packet should start: the FLAC reader passes over a frame whose
    // checksum fails, and only the jump in time shows it. (Ogg's pages fail loudly, and
    // Vorbis packets overlap, so their times do not add up this way.)
    let mut next_pts: Option<i64> = None;
    loop {
        let at = Some(duration_ms(frames, opened.rate));
        let packet = match opened.reader.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(e) => return Err(refusal(container, e, at, opened.len)),
        };
        if packet.track_id != opened.track_id {
            continue;
        }
        let pts = packet.pts.get();
        if let Some(expected) = next_pts
            && container == Container::Flac
            && pts > expected
        {
            let ms = |ts: i64| {
                describe_duration(duration_ms(u64::try_from(ts).unwrap_or(0), opened.rate))
            };
            return Err(AudioError::Damaged {
                format: container.label(),
                detail: format!(
                    "the audio from {} to {} cannot be read (its frames fail their checksums)",
                    ms(expected),
                    ms(pts)
                ),
            });
        }
        next_pts = Some(pts.saturating_add(i64::try_from(packet.dur.get()).unwrap_or(i64::MAX)));
        if frames > limit {
            // Already refused: only its length is still wanted, for the message.
            frames += packet.dur.get();
            continue;
        }
        let buffer = decoder
            .decode(&packet)
            .map_err(|e| refusal(container, e, at, opened.len))?;
        frames += buffer.frames() as u64;
        if keep {
            buffer.copy_to_vec_interleaved(&mut interleaved);
            let width = buffer.spec().channels().count().max(1);
            mono.extend(
                interleaved
                    .chunks(width)
                    .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32),
            );
        }
    }
    Ok(Decoded { frames, mono })
}
