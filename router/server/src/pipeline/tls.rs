//! TLS for `https://` subgraphs: the web's public roots (webpki), plus the certificate
//! authorities of `tls.ca_file` when the subgraphs use a private CA. Each distinct setting is
//! built once per process and shared by every pipeline (reloads keep their pools).

use crate::config::TlsConfig;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A client TLS setting, with an id that names its connection pools.
#[derive(Debug)]
pub struct Tls {
    pub id: u64,
    pub config: Arc<rustls::ClientConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the CA file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("the CA file {0} holds no usable certificate")]
    NoCertificate(PathBuf),
    #[error("cannot set up TLS: {0}")]
    Setup(#[from] rustls::Error),
}

/// The TLS setting for `config`, built on first use.
pub fn client_tls(config: &TlsConfig) -> Result<Arc<Tls>, TlsError> {
    static BUILT: OnceLock<Mutex<HashMap<Option<PathBuf>, Arc<Tls>>>> = OnceLock::new();
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let built = BUILT.get_or_init(Default::default);
    if let Some(tls) = built
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&config.ca_file)
    {
        return Ok(tls.clone());
    }
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &config.ca_file {
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|certificates| certificates.collect())
            .map_err(|source| TlsError::Read {
                path: path.clone(),
                source,
            })?;
        let (added, _ignored) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(TlsError::NoCertificate(path.clone()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = Arc::new(Tls {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        config: Arc::new(client),
    });
    built
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(config.ca_file.clone())
        .or_insert(tls.clone());
    Ok(tls)
}
