//! A response body that streams a file: export files can be far larger than a request's
//! memory should hold, so a blocking-pool task reads them in chunks and hands each over a
//! small channel; the body ends early (and the reader stops) if the client goes away.

use axum::body::Bytes;
use hyper::body::{Body, Frame};
use std::fs::File;
use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Bytes read per chunk.
const CHUNK: usize = 64 * 1024;

/// Chunks of a file as they are read.
pub(crate) struct FileBody(mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl FileBody {
    /// Streams `file` (already open, so a missing file is the caller's error).
    pub(crate) fn new(mut file: File) -> Self {
        let (sender, receiver) = mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            loop {
                let mut buffer = vec![0; CHUNK];
                let chunk = match file.read(&mut buffer) {
                    Ok(0) => return,
                    Ok(n) => {
                        buffer.truncate(n);
                        Ok(Bytes::from(buffer))
                    }
                    Err(error) => Err(error),
                };
                let failed = chunk.is_err();
                if sender.blocking_send(chunk).is_err() || failed {
                    return;
                }
            }
        });
        Self(receiver)
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|result| result.map(Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::Write;

    #[tokio::test]
    async fn a_file_of_several_chunks_arrives_whole() {
        let mut file = tempfile::tempfile().unwrap();
        let text: Vec<u8> = (0..3 * CHUNK + 17).map(|i| b'a' + (i % 26) as u8).collect();
        file.write_all(&text).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let body = FileBody::new(file).collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), text.len());
        assert!(body.as_ref() == text.as_slice());
    }
}
