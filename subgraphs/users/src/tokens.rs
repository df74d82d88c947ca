//! The tokens the users subgraph hands out: access tokens (EdDSA-signed JWTs whose public
//! keys are published as a JWKS) and opaque secrets (refresh and password-reset tokens),
//! which are stored only as SHA-256 hashes.

use crate::settings::TokenSettings;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kit::auth::{Claims, JwksError, TokenVerifier};
use kit::{ApiError, Role};
use rand::RngCore;
use rand::rngs::OsRng;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::path::Path;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the signing key: {0}")]
    Io(#[from] std::io::Error),
    #[error("the signing key is not an Ed25519 PKCS#8 PEM key: {0}")]
    Format(String),
    #[error(transparent)]
    Jwks(#[from] JwksError),
}

/// The key access tokens are signed with, and what verifiers need to check them.
pub struct SigningKeys {
    encoding: EncodingKey,
    kid: String,
    jwks: JwkSet,
    issuer: String,
    audience: String,
    access_ttl: Duration,
}

/// What an access token may carry beyond its user, roles and session.
#[derive(Debug, Clone, Default)]
pub struct TokenExtras {
    /// The user's display name (the `name` claim), for subgraphs that show it.
    pub name: Option<String>,
    /// The user's email address (the `email` claim), for subgraphs that mail them.
    pub email: Option<String>,
    /// Scopes granted beyond the roles (the space-separated `scope` claim).
    pub scopes: Vec<String>,
}

/// A signed access token and when it stops being accepted.
pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl SigningKeys {
    /// The configured key: inline PEM, else a key file (created when missing), else a new
    /// key that lives as long as the process.
    pub fn load(settings: &TokenSettings) -> Result<Self, KeyError> {
        let key = if let Some(pem) = &settings.private_key_pem {
            parse_pem(pem.expose_secret())?
        } else if let Some(path) = &settings.private_key_file {
            load_or_create(path)?
        } else {
            tracing::warn!(
                "no signing key configured; using a new key, tokens will not survive a restart"
            );
            generate()
        };
        Self::new(&key, settings)
    }

    pub fn new(key: &SigningKey, settings: &TokenSettings) -> Result<Self, KeyError> {
        let der = key
            .to_pkcs8_der()
            .map_err(|err| KeyError::Format(err.to_string()))?;
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let kid = thumbprint(&x);
        let jwks: JwkSet = serde_json::from_value(serde_json::json!({
            "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig" }]
        }))
        .map_err(|err| KeyError::Format(err.to_string()))?;
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            kid,
            jwks,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: Duration::seconds(settings.access_ttl_secs),
        })
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// A verifier that trusts exactly these keys.
    pub fn verifier(&self) -> Result<TokenVerifier, KeyError> {
        Ok(TokenVerifier::from_jwks(
            &self.jwks,
            &self.issuer,
            &self.audience,
        )?)
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        roles: Vec<Role>,
        session_id: Uuid,
    ) -> Result<AccessToken, ApiError> {
        self.issue_with(user_id, roles, session_id, TokenExtras::default())
    }

    /// Like [`issue`](Self::issue), with a display name and scopes in the token.
    pub fn issue_with(
        &self,
        user_id: Uuid,
        roles: Vec<Role>,
        session_id: Uuid,
        extras: TokenExtras,
    ) -> Result<AccessToken, ApiError> {
        let now = Utc::now();
        let expires_at = now + self.access_ttl;
        let claims = Claims {
            sub: user_id,
            roles,
            scope: extras.scopes.join(" "),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::new_v4(),
            sid: Some(session_id),
            name: extras.name,
            email: extras.email,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(ApiError::internal)?;
        Ok(AccessToken { token, expires_at })
    }
}

/// RFC 7638 thumbprint of an Ed25519 public key: a stable key id.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn parse_pem(pem: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|err| KeyError::Format(err.to_string()))
}

pub fn generate() -> SigningKey {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

fn load_or_create(path: &Path) -> Result<SigningKey, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(pem) => parse_pem(&pem),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = generate();
            let pem = key
                .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
                .map_err(|err| KeyError::Format(err.to_string()))?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            write_private(path, pem.as_bytes())?;
            tracing::info!(path = %path.display(), "created a new signing key");
            Ok(key)
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// A new opaque secret for the client, and the hash to store in its place.
pub fn new_secret() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// The stored form of an opaque secret.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn issued_tokens_verify_against_the_published_keys_only() {
        let settings = TokenSettings::default();
        let keys = SigningKeys::new(&generate(), &settings).expect("key");
        let user = Uuid::new_v4();
        let session = Uuid::new_v4();
        let token = keys
            .issue(user, vec![Role::Customer], session)
            .expect("signs");
        let identity = keys
            .verifier()
            .expect("verifier")
            .verify(&token.token)
            .await
            .expect("valid");
        assert_eq!(identity.user_id, user);
        assert_eq!(identity.roles, vec![Role::Customer]);
        assert_eq!(identity.session_id, Some(session));
        assert_eq!(identity.name, None);

        let named = keys
            .issue_with(
                user,
                vec![Role::Customer],
                session,
                TokenExtras {
                    name: Some("Ada".to_owned()),
                    email: Some("ada@example.com".to_owned()),
                    scopes: vec!["catalog:write".to_owned()],
                },
            )
            .expect("signs");
        let identity = keys
            .verifier()
            .expect("verifier")
            .verify(&named.token)
            .await
            .expect("valid");
        assert_eq!(identity.name.as_deref(), Some("Ada"));
        assert_eq!(identity.email.as_deref(), Some("ada@example.com"));
        assert!(identity.has_scope("catalog:write"));

        let other = SigningKeys::new(&generate(), &settings).expect("key");
        assert!(
            other
                .verifier()
                .expect("verifier")
                .verify(&token.token)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn tokens_from_before_the_email_claim_still_verify() {
        let keys = SigningKeys::new(&generate(), &TokenSettings::default()).expect("key");
        let now = Utc::now();
        let user = Uuid::new_v4();
        // The claims as tokens carried them before `email` was added.
        let claims = serde_json::json!({
            "sub": user, "roles": ["CUSTOMER"], "scope": "", "iss": keys.issuer,
            "aud": keys.audience, "iat": now.timestamp(),
            "exp": (now + Duration::minutes(5)).timestamp(), "jti": Uuid::new_v4(),
            "sid": Uuid::new_v4(), "name": "Ada",
        });
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &keys.encoding).expect("signs");
        let identity = keys
            .verifier()
            .expect("verifier")
            .verify(&token)
            .await
            .expect("an old token is still valid");
        assert_eq!(identity.user_id, user);
        assert_eq!(identity.name.as_deref(), Some("Ada"));
        assert_eq!(identity.email, None);
    }

    #[test]
    fn key_files_are_created_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("users-key-{}", Uuid::new_v4()));
        let path = dir.join("signing.pem");
        let first = load_or_create(&path).expect("created");
        let second = load_or_create(&path).expect("read back");
        assert_eq!(first.to_bytes(), second.to_bytes());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, hash_a) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert_eq!(hash_secret(&a), hash_a);
        assert_eq!(a.len(), 43);
    }
}
