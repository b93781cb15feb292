//! Every bad upload refused with its problem named; good ones measured and kept by checksum.

use transcription::audio::{decode_for_recogniser, wav_bytes};
use transcription::{AudioError, AudioStoreError, inspect, sha256_hex};

/// A tone of `seconds` at `rate` (a stand-in for speech: the checks look at the container).
pub fn tone(seconds: f64, rate: u32) -> Vec<u8> {
    let n = (seconds * f64::from(rate)) as usize;
    let samples: Vec<i16> = (0..n)
        .map(|i| ((i as f64 * 0.07).sin() * 9000.0) as i16)
        .collect();
    wav_bytes(&samples, rate)
}

#[test]
fn a_wav_is_measured_and_decoded_at_16_khz() {
    let info = inspect(&tone(1.5, 8000)).unwrap();
    assert_eq!(
        (
            info.format,
            info.sample_rate,
            info.channels,
            info.duration_ms
        ),
        ("wav", 8000, 1, 1500)
    );
    let samples = decode_for_recogniser(&tone(1.5, 8000)).unwrap();
    assert_eq!(samples.len(), 24_000, "1.5 s at 16 kHz");
}

#[test]
fn a_file_that_is_not_audio_is_named() {
    let err = inspect(b"Dear Dr Smith, please find enclosed").unwrap_err();
    assert!(matches!(err, AudioError::NotAudio(_)));
    assert_eq!(
        err.to_string(),
        "not an audio file: expected WAV (RIFF/WAVE), FLAC (fLaC), MP3 (ID3 or an MPEG audio frame) or Ogg Vorbis (OggS), but it starts with \"Dear\\x20Dr\\x20\""
    );
    assert_eq!(
        inspect(b"").unwrap_err().to_string(),
        "not an audio file: expected WAV (RIFF/WAVE), FLAC (fLaC), MP3 (ID3 or an MPEG audio frame) or Ogg Vorbis (OggS), but it starts with nothing (the file is empty)"
    );
}

#[test]
fn a_truncated_wav_says_how_much_is_missing() {
    let whole = tone(1.0, 16_000);
    let cut = &whole[..whole.len() - 10_000];
    let err = inspect(cut).unwrap_err();
    assert_eq!(
        err.to_string(),
        "truncated WAV: its header promises 32000 bytes of audio but the file holds 22000"
    );
    let header_only = &whole[..20];
    assert!(
        inspect(header_only)
            .unwrap_err()
            .to_string()
            .starts_with("truncated WAV: the file ends after 20 bytes"),
    );
}

#[test]
fn a_zero_second_recording_is_refused() {
    let err = inspect(&wav_bytes(&[], 16_000)).unwrap_err();
    assert_eq!(err, AudioError::Empty);
    assert_eq!(
        err.to_string(),
        "the recording is empty: 0 seconds of audio"
    );
}

#[test]
fn a_recording_over_three_hours_is_refused() {
    // 100 samples a second keeps three hours to about 2 MB.
    let err = inspect(&tone(3.0 * 3600.0 + 60.0, 100)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the recording is 3 h 01 min 00 s long; at most 3 hours are accepted"
    );
    assert!(
        inspect(&tone(3.0 * 3600.0, 100)).is_ok(),
        "three hours exactly is accepted"
    );
}

#[test]
fn a_damaged_flac_is_named() {
    let err = inspect(b"fLaC\x00\x00\x00\x22 not really").unwrap_err();
    assert!(err.to_string().contains("FLAC"), "{err}");
    // A frame whose checksum fails is passed over by the reader; the gap in time names it.
    let mut flac = fixture("tone-1.5s.flac");
    let at = flac.len() / 3;
    flac[at..at + 64].iter_mut().for_each(|b| *b ^= 0x5a);
    assert_eq!(
        inspect(&flac).unwrap_err().to_string(),
        "damaged FLAC: the audio from 0.2 s to 0.5 s cannot be read (its frames fail their checksums)"
    );
}

/// A recording made for these tests (see `test_data/audio/README.md`).
fn fixture(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/audio");
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn flac_mp3_and_ogg_vorbis_are_measured_and_decoded_at_16_khz() {
    // (file, format, rate, channels, length in ms): lame resamples 44.1 kHz at 64 kbit/s to
    // 24 kHz, and its mono 16 kHz MP3 carries 1,152 samples of encoder delay and padding
    // more than the 1.5 s it was given (read as sound: the LAME tag is not read at that rate).
    for (name, format, rate, channels, ms) in [
        ("tone-1.5s.flac", "flac", 16_000, 1, 1500),
        ("tone-1.5s.mp3", "mp3", 16_000, 1, 1584),
        ("tone-1.5s.ogg", "ogg", 16_000, 1, 1500),
        ("stereo-44k-2s.mp3", "mp3", 24_000, 2, 2000),
        ("stereo-44k-2s.ogg", "ogg", 44_100, 2, 2000),
    ] {
        let bytes = fixture(name);
        let info = inspect(&bytes).unwrap();
        assert_eq!(
            (
                info.format,
                info.sample_rate,
                info.channels,
                info.duration_ms
            ),
            (format, rate, channels, ms),
            "{name}"
        );
        let samples = decode_for_recogniser(&bytes).unwrap();
        assert_eq!(samples.len() as i64, ms * 16, "{name}: {ms} ms at 16 kHz");
        let loudest = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(
            (6_000..=16_000).contains(&loudest),
            "{name}: the tone at 0.3 of full scale, got {loudest}"
        );
    }
}

#[test]
fn a_truncated_mp3_or_ogg_says_where_it_ends() {
    let mp3 = fixture("stereo-44k-2s.mp3");
    assert_eq!(
        inspect(&mp3[..mp3.len() / 2]).unwrap_err().to_string(),
        "truncated MP3: its header promises 48000 samples but the file holds 23087"
    );
    let ogg = fixture("stereo-44k-2s.ogg");
    assert_eq!(
        inspect(&ogg[..ogg.len() / 2]).unwrap_err().to_string(),
        format!(
            "truncated Ogg Vorbis: the file ends after {} bytes, inside a page",
            ogg.len() / 2
        )
    );
    assert_eq!(
        inspect(&ogg[..ogg.len() - 100]).unwrap_err().to_string(),
        "truncated Ogg Vorbis: the file ends inside a frame at 1.4 s"
    );
    assert_eq!(
        inspect(&ogg[..30]).unwrap_err().to_string(),
        "truncated Ogg Vorbis: the file ends after 30 bytes, inside its first page"
    );
}

#[test]
fn a_damaged_mp3_or_ogg_is_named() {
    let mut ogg = fixture("stereo-44k-2s.ogg");
    let at = ogg.len() / 2;
    ogg[at..at + 64].iter_mut().for_each(|b| *b ^= 0x5a);
    assert_eq!(
        inspect(&ogg).unwrap_err().to_string(),
        "damaged Ogg Vorbis: malformed stream: ogg: crc mismatch"
    );
    // MP3 frames carry no checksum: a few bad bytes play as a click, as in any player, but
    // frames that no longer decode are refused with the time they start at.
    let mut mp3 = fixture("stereo-44k-2s.mp3");
    let at = mp3.len() / 3;
    mp3[at..]
        .iter_mut()
        .for_each(|b| *b = b.wrapping_mul(7).wrapping_add(3));
    let err = inspect(&mp3).unwrap_err().to_string();
    assert!(err.starts_with("damaged MP3: malformed stream: "), "{err}");
    assert!(err.ends_with(" at 0.6 s"), "{err}");
    let mut tag_only = b"ID3\x04\x00\x00\x00\x00\x00\x0aabcdefghij".to_vec();
    tag_only.extend_from_slice(b"Dear Dr Smith, please find enclosed");
    assert_eq!(
        inspect(&tag_only).unwrap_err().to_string(),
        "damaged MP3: no whole MPEG audio frame in its 55 bytes"
    );
}

#[test]
fn ogg_opus_is_refused_by_name() {
    let err = inspect(&fixture("tone-1.5s.opus")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ogg Opus is not accepted: expected WAV, FLAC, MP3 or Ogg Vorbis (convert the recording to one of them)"
    );
}

#[test]
fn an_mp3_over_three_hours_is_refused_from_its_header() {
    // The Xing header's frame count (after its flags; flag 1 says it is there) raised to
    // 500,000 frames of 576 samples at 24 kHz: 3 h 20 min, refused before decoding.
    let mut mp3 = fixture("stereo-44k-2s.mp3");
    let at = mp3
        .windows(4)
        .position(|w| w == b"Xing" || w == b"Info")
        .unwrap();
    assert_eq!(mp3[at + 7] & 1, 1, "the frame count is present");
    mp3[at + 8..at + 12].copy_from_slice(&500_000u32.to_be_bytes());
    assert_eq!(
        inspect(&mp3).unwrap_err().to_string(),
        "the recording is 3 h 20 min 00 s long; at most 3 hours are accepted"
    );
}

#[test]
fn a_streamed_wav_is_read_to_its_end() {
    // espeak-ng's --stdout leaves the data size at 0x7ffff000; other writers leave 0.
    for placeholder in [0x7fff_f000u32, 0] {
        let mut wav = tone(1.0, 16_000);
        wav[40..44].copy_from_slice(&placeholder.to_le_bytes());
        assert_eq!(inspect(&wav).unwrap().duration_ms, 1000, "{placeholder:#x}");
        assert_eq!(
            decode_for_recogniser(&wav).unwrap().len(),
            16_000,
            "{placeholder:#x}"
        );
    }
}

#[test]
fn audio_is_kept_by_checksum_and_checked_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = transcription::audio_store::in_data_dir(dir.path());
    let bytes = tone(0.5, 16_000);
    let sha = store.put(&bytes).unwrap();
    assert_eq!(sha, sha256_hex(&bytes));
    assert_eq!(
        store.put(&bytes).unwrap(),
        sha,
        "the same recording is one file"
    );
    assert_eq!(store.get(&sha).unwrap(), bytes);
    let path = dir.path().join("audio").join(&sha[..2]).join(&sha);
    let mut damaged = bytes.clone();
    damaged[100] ^= 0xff;
    std::fs::write(&path, &damaged).unwrap();
    let err = store.get(&sha).unwrap_err();
    assert!(matches!(err, AudioStoreError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("fails its checksum"), "{err}");
    assert!(matches!(
        store.get("../../etc/passwd"),
        Err(AudioStoreError::BadName(_))
    ));
}
