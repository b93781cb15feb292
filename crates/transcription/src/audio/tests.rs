use super::*;

#[test]
fn durations_read_as_people_say_them() {
    assert_eq!(describe_duration(1500), "1.5 s");
    assert_eq!(describe_duration(65_000), "1 min 05 s");
    assert_eq!(describe_duration(3 * 3_600_000 + 61_000), "3 h 01 min 01 s");
}

#[test]
fn a_sample_keeps_its_level_at_16_bits() {
    assert_eq!(to_i16(1.0), 32_767);
    assert_eq!(to_i16(-2.0), -32_767);
    assert_eq!(to_i16(100.0 / 32_767.0), 100);
}

#[test]
fn the_written_wav_reads_back_sample_for_sample() {
    let samples: Vec<i16> = vec![0, 1, -1, 12_345, -32_768, 32_767];
    let (info, mono) = read(&wav_bytes(&samples, 8_000), true).unwrap();
    assert_eq!((info.sample_rate, info.channels), (8_000, 1));
    let back: Vec<i16> = mono.iter().map(|s| (s * 32_768.0).round() as i16).collect();
    assert_eq!(back, samples);
}
