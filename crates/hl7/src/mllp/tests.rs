//! Unit tests for MLLP framing: whole, split and back-to-back frames, junk, the limit,
//! and arbitrary bytes as a property.

use super::*;
use proptest::prelude::*;

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(payload, &mut out);
    out
}

#[test]
fn one_frame() {
    let mut d = Decoder::new(100);
    let mut buf = frame(b"MSH|x");
    assert_eq!(d.decode(&mut buf).unwrap(), Some(b"MSH|x".to_vec()));
    assert!(buf.is_empty());
    assert_eq!(d.decode(&mut buf).unwrap(), None);
}

#[test]
fn partial_then_rest_and_back_to_back() {
    let mut d = Decoder::new(100);
    let mut all = frame(b"one");
    all.extend(frame(b"two"));
    let mut buf = all[..4].to_vec();
    assert_eq!(d.decode(&mut buf).unwrap(), None);
    buf.extend_from_slice(&all[4..]);
    assert_eq!(d.decode(&mut buf).unwrap(), Some(b"one".to_vec()));
    assert_eq!(d.decode(&mut buf).unwrap(), Some(b"two".to_vec()));
    assert_eq!(d.decode(&mut buf).unwrap(), None);
}

#[test]
fn end_block_split_across_reads() {
    let mut d = Decoder::new(100);
    let mut buf = vec![START, b'a', END];
    assert_eq!(d.decode(&mut buf).unwrap(), None);
    buf.push(CR);
    assert_eq!(d.decode(&mut buf).unwrap(), Some(b"a".to_vec()));
}

#[test]
fn junk_outside_frames_is_skipped() {
    let mut d = Decoder::new(100);
    let mut buf = b"\r\nnoise".to_vec();
    buf.extend(frame(b"m"));
    assert_eq!(d.decode(&mut buf).unwrap(), Some(b"m".to_vec()));
    assert_eq!(d.skipped(), 7);
}

#[test]
fn oversized_frames_are_refused() {
    let mut d = Decoder::new(4);
    let mut buf = frame(b"12345");
    assert_eq!(d.decode(&mut buf), Err(FrameError::TooLarge { max: 4 }));
    let mut d = Decoder::new(4);
    let mut buf = vec![START, b'1', b'2', b'3', b'4', b'5', b'6'];
    assert_eq!(d.decode(&mut buf), Err(FrameError::TooLarge { max: 4 }));
    let mut d = Decoder::new(4);
    let mut buf = frame(b"1234");
    assert_eq!(d.decode(&mut buf).unwrap(), Some(b"1234".to_vec()));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..16)) {
        let mut d = Decoder::new(32);
        let mut buf = Vec::new();
        for chunk in chunks {
            buf.extend(chunk);
            while let Ok(Some(_)) = d.decode(&mut buf) {}
            prop_assert!(buf.len() <= 32 + 2 + 64);
        }
    }

    #[test]
    fn frames_survive_any_split(payloads in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no end block", |b| *b != END), 0..40), 1..5), cut in 0usize..200) {
        let mut stream = Vec::new();
        for p in &payloads {
            encode(p, &mut stream);
        }
        let cut = cut.min(stream.len());
        let mut d = Decoder::new(64);
        let mut buf = stream[..cut].to_vec();
        let mut got = Vec::new();
        while let Some(p) = d.decode(&mut buf).unwrap() { got.push(p); }
        buf.extend_from_slice(&stream[cut..]);
        while let Some(p) = d.decode(&mut buf).unwrap() { got.push(p); }
        prop_assert_eq!(got, payloads);
    }
}
