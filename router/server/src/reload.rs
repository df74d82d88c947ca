//! The supergraph being served, replaced while the router runs: when its file changes (checked
//! every second) or on `SIGHUP`. A new supergraph is loaded beside the old one and swapped in
//! whole; requests in flight finish on the one they started with. A supergraph that fails to
//! load is refused and the old one keeps serving.

use crate::config::Config;
use crate::pipeline::Pipeline;
use crate::pipeline::tls::TlsError;
use federation::{Supergraph, SupergraphError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// What the HTTP handlers serve from: the current pipeline, swappable.
pub struct Serving {
    current: RwLock<Arc<Pipeline>>,
    config: Config,
}

impl Serving {
    pub fn new(supergraph: Supergraph, config: &Config) -> Result<Self, TlsError> {
        Ok(Self {
            current: RwLock::new(Arc::new(Pipeline::new(supergraph, config)?)),
            config: config.clone(),
        })
    }

    /// The pipeline to run a request on; it stays alive for the request whatever replaces it.
    pub fn pipeline(&self) -> Arc<Pipeline> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Loads `sdl` and serves it from now on; on error the current supergraph stays.
    pub fn reload(&self, sdl: &str) -> Result<(), ReloadError> {
        let supergraph = Supergraph::parse(sdl)?;
        let pipeline = Arc::new(Pipeline::new(supergraph, &self.config)?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = pipeline;
        Ok(())
    }
}

/// Why a reload did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Supergraph(#[from] SupergraphError),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// Watches the supergraph file and reloads it into `serving` when it changes.
pub struct Watcher {
    serving: Arc<Serving>,
    path: PathBuf,
    seen: Option<(SystemTime, u64)>,
    last_text: String,
}

impl Watcher {
    /// `current` is the text being served now, so an unchanged file is never reloaded.
    pub fn new(serving: Arc<Serving>, path: &Path, current: String) -> Self {
        Self {
            serving,
            seen: stamp(path),
            path: path.to_owned(),
            last_text: current,
        }
    }

    /// Reloads when the file's modification time or size moved and its text differs.
    pub fn check(&mut self) -> Option<Result<(), ReloadError>> {
        let stamp = stamp(&self.path);
        if stamp == self.seen {
            return None;
        }
        self.seen = stamp;
        Some(self.reload_if_changed())
    }

    /// Rereads the file and reloads it when its text differs from what is served.
    pub fn reload_if_changed(&mut self) -> Result<(), ReloadError> {
        let text = std::fs::read_to_string(&self.path).map_err(|source| ReloadError::Read {
            path: self.path.clone(),
            source,
        })?;
        if text == self.last_text {
            return Ok(());
        }
        self.serving.reload(&text)?;
        self.last_text = text;
        Ok(())
    }

    /// Checks every `interval` and on `SIGHUP`, until `stop` turns true; logs each outcome.
    pub async fn run(mut self, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let hangup_signal = async {
                match hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let hangup_signal = std::future::pending::<()>();
            let outcome = tokio::select! {
                _ = stop.wait_for(|stop| *stop) => return,
                _ = tokio::time::sleep(interval) => self.check(),
                _ = hangup_signal => {
                    self.seen = stamp(&self.path);
                    Some(self.reload_if_changed())
                }
            };
            match outcome {
                None => {}
                Some(Ok(())) => {
                    tracing::info!(supergraph = %self.path.display(), "supergraph loaded")
                }
                Some(Err(err)) => tracing::error!(
                    supergraph = %self.path.display(),
                    cause = %err,
                    "the new supergraph was refused; the previous one keeps serving"
                ),
            }
        }
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}
