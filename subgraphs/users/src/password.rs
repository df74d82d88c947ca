//! Passwords: the policy a new password must meet, and argon2id hashing and verification
//! (run off the async threads). Verifying against an unknown account still costs one full
//! hash, so login time does not tell whether an email is registered.

use crate::settings::PasswordSettings;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use kit::ApiError;
use std::sync::Arc;

pub const MIN_LENGTH: usize = 12;
/// Bounds the hashing work one request can ask for.
pub const MAX_LENGTH: usize = 128;
const MIN_DISTINCT_CHARS: usize = 5;

/// Checks a new password against the policy; `field` names the input at fault.
pub fn check_policy(field: &'static str, password: &str, email: &str) -> Result<(), ApiError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(ApiError::bad_input(
            field,
            format!("password must have at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(ApiError::bad_input(
            field,
            format!("password must have at most {MAX_LENGTH} characters"),
        ));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return Err(ApiError::bad_input(
            field,
            format!("password must use at least {MIN_DISTINCT_CHARS} different characters"),
        ));
    }
    if password.trim().eq_ignore_ascii_case(email) {
        return Err(ApiError::bad_input(
            field,
            "password must not be the email address",
        ));
    }
    Ok(())
}

#[derive(Clone)]
pub struct Passwords {
    inner: Arc<Inner>,
}

struct Inner {
    argon: Argon2<'static>,
    /// A hash of nothing anyone knows, verified when the account does not exist.
    decoy: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("invalid argon2 parameters: {0}")]
    Params(argon2::Error),
    #[error("hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
}

impl Passwords {
    pub fn new(settings: &PasswordSettings) -> Result<Self, PasswordError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(PasswordError::Params)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let decoy = hash_with(&argon, "decoy password nobody has")?;
        Ok(Self {
            inner: Arc::new(Inner { argon, decoy }),
        })
    }

    /// The PHC string (algorithm, parameters, salt and hash) to store.
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let inner = self.inner.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_with(&inner.argon, &password))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }

    /// Whether `password` matches `stored`; with no stored hash, does the same work and
    /// answers false.
    pub async fn verify(&self, stored: Option<&str>, password: &str) -> bool {
        let inner = self.inner.clone();
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.inner.decoy).to_owned();
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    inner
                        .argon
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        known && matches
    }
}

fn hash_with(argon: &Argon2<'_>, password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(PasswordError::Hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_long_repetitive_and_email_passwords() {
        let email = "ada@example.com";
        assert!(check_policy("p", "correct horse battery", email).is_ok());
        assert!(check_policy("p", "short", email).is_err());
        assert!(check_policy("p", &"ab1!x".repeat(30), email).is_err());
        assert!(check_policy("p", "aaaaaaaaaaaaaaaa", email).is_err());
        assert!(check_policy("p", "ADA@example.com", email).is_err());
    }

    #[tokio::test]
    async fn hashes_verify_only_their_password_and_unknown_accounts_never_match() {
        let passwords = Passwords::new(&PasswordSettings::default()).expect("valid params");
        let hash = passwords
            .hash("correct horse battery")
            .await
            .expect("hashes");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords.verify(Some(&hash), "correct horse battery").await);
        assert!(!passwords.verify(Some(&hash), "wrong horse battery").await);
        assert!(!passwords.verify(None, "decoy password nobody has").await);
    }
}
