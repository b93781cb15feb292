//! Binding and running: loopback by default, and no plain-HTTP listener on another
//! address unless the operator says, with a flag named for it, that this is insecure.

use crate::routes::app;
use crate::state::AppState;
use std::net::SocketAddr;

/// How to listen.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address and port.
    pub listen: SocketAddr,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_non_loopback: bool,
}

/// What can stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on a reachable address without the explicit flag.
    #[error(
        "refusing to serve plain HTTP on {0}, which is not a loopback address: patient data would cross the network unencrypted (TLS is not built yet); listen on 127.0.0.1, or pass --insecure-non-loopback to accept the risk"
    )]
    NotLoopback(SocketAddr),
    /// Binding or serving failed.
    #[error("serving on {addr}: {message}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        message: String,
    },
}

/// Runs the server until Ctrl-C, on its own runtime; `ready` is told the bound address.
pub fn serve_blocking(
    config: &ServeConfig,
    state: AppState,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    if !config.listen.ip().is_loopback() && !config.insecure_non_loopback {
        return Err(ServeError::NotLoopback(config.listen));
    }
    let addr = config.listen;
    let io = |e: std::io::Error| ServeError::Io {
        addr,
        message: e.to_string(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(io)
    })
}
