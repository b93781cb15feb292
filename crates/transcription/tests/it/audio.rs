//! Every bad upload refused with its problem named; good ones measured and kept by checksum.

use transcription::audio::{decode_for_recogniser, wav_bytes};
use transcription::{AudioError, AudioStoreError, inspect, sha256_hex};

/// A tone of `seconds` at `rate` (a stand-in for speech: the checks look at the container).
pub fn tone(seconds: f64, rate: u32) -> Vec<u8> {
    let n = (seconds * f64::from(rate)) as usize;
    let samples: Vec<i16> = (0..n)
        .map(|i| ((i as f64 * 0.07).sin() * 9000.0) as i16)
        .collect();
    wav_bytes(&samples, rate).unwrap()
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
        "not an audio file: expected WAV (RIFF/WAVE) or FLAC (fLaC), but it starts with \"Dear\\x20Dr\\x20\""
    );
    assert_eq!(
        inspect(b"").unwrap_err().to_string(),
        "not an audio file: expected WAV (RIFF/WAVE) or FLAC (fLaC), but it starts with nothing (the file is empty)"
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
    let err = inspect(&wav_bytes(&[], 16_000).unwrap()).unwrap_err();
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
