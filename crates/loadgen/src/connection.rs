//! One client's keep-alive HTTP/1.1 connection to the server, as a browser or an interface
//! engine holds one: requests go one after another on it, and a connection the server closed
//! is opened again before the next request.

use anyhow::{Context, Result, anyhow};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The server's address and the bearer token every request carries.
#[derive(Clone)]
pub struct Target {
    pub host_port: String,
    pub token: String,
}

impl Target {
    /// Takes `http://host:port` (a path or a trailing slash is refused: requests name their own).
    pub fn parse(base: &str, token: String) -> Result<Target> {
        let host_port = base
            .strip_prefix("http://")
            .ok_or_else(|| {
                anyhow!("--base {base:?}: must start with http:// (TLS is not driven here)")
            })?
            .trim_end_matches('/');
        if host_port.is_empty() || host_port.contains('/') {
            return Err(anyhow!("--base {base:?}: give only http://host:port"));
        }
        Ok(Target {
            host_port: host_port.to_owned(),
            token,
        })
    }
}

pub struct Connection {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Connection {
    pub fn new(target: Target) -> Connection {
        Connection {
            target,
            sender: None,
        }
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>> {
        let stream = TcpStream::connect(&self.target.host_port)
            .await
            .with_context(|| format!("connecting to {}", self.target.host_port))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .with_context(|| format!("HTTP handshake with {}", self.target.host_port))?;
        // The connection's own task ends when the server closes it; the next request reopens.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends one request and reads the whole answer. `body` is JSON (`content_type` says which
    /// JSON) or nothing.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(&'static str, String)>,
    ) -> Result<Answer> {
        let mut sender = match self.sender.take() {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.open().await?,
        };
        sender.ready().await.context("waiting for the connection")?;
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.target.host_port)
            .header("authorization", format!("Bearer {}", self.target.token))
            .header("accept", "application/json");
        let payload = match body {
            Some((content_type, text)) => {
                request = request.header("content-type", content_type);
                Bytes::from(text)
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(payload))
            .with_context(|| format!("building the request for {path}"))?;
        let response = sender
            .send_request(request)
            .await
            .with_context(|| format!("sending {path}"))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .with_context(|| format!("reading the answer to {path}"))?
            .to_bytes();
        self.sender = Some(sender);
        Ok(Answer { status, body })
    }
}
