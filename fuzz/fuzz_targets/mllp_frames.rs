//! MLLP framing: the stream is fed in the chunks a socket might deliver; every payload the
//! decoder gives is bounded, and a frame written by `encode` comes back whole.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MAX_FRAME: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk.max(1));
    let mut decoder = hl7::mllp::Decoder::new(MAX_FRAME);
    let mut buf = Vec::new();
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(payload)) => assert!(payload.len() <= MAX_FRAME),
                Ok(None) | Err(_) => break,
            }
            // The buffer never holds more than one frame and one chunk.
        }
        assert!(buf.len() <= MAX_FRAME + 2 + chunk);
    }

    // Whatever the payload (without the end marker), encode then decode gives it back.
    if stream.len() <= MAX_FRAME && !stream.windows(2).any(|w| w == [0x1c, b'\r']) {
        let mut framed = Vec::new();
        hl7::mllp::encode(stream, &mut framed);
        let mut decoder = hl7::mllp::Decoder::new(MAX_FRAME);
        let payload = decoder
            .decode(&mut framed)
            .expect("a frame encode wrote decodes");
        assert_eq!(payload.as_deref(), Some(stream));
    }
});
