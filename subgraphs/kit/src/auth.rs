//! Who is calling: roles, access-token claims, and the verification of access tokens against
//! the public keys the users subgraph publishes as a JWKS. No subgraph trusts a token it has
//! not verified itself.

use crate::error::ApiError;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};
use uuid::Uuid;

/// What a user may do; a user holds one or more.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Customer,
    Support,
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::Support => "SUPPORT",
            Self::Admin => "ADMIN",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "CUSTOMER" => Ok(Self::Customer),
            "SUPPORT" => Ok(Self::Support),
            "ADMIN" => Ok(Self::Admin),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    pub roles: Vec<Role>,
    /// Space-separated scopes granted beyond the roles (e.g. `catalog:write`).
    #[serde(default)]
    pub scope: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The session (refresh-token family) the token was issued for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    /// The user's display name when the token was issued (what others see them as).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's email address when the token was issued (where mail for them goes). Tokens
    /// issued before it was added have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A caller whose token was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
    pub scopes: Vec<String>,
    pub session_id: Option<Uuid>,
    /// The display name the token carries, if any.
    pub name: Option<String>,
    /// The email address the token carries, if any (none in tokens older than the claim).
    pub email: Option<String>,
}

impl Identity {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    /// Support or admin: may see what belongs to other users.
    pub fn is_staff(&self) -> bool {
        self.has_role(Role::Admin) || self.has_role(Role::Support)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The user themself or an admin.
    pub fn is_self_or_admin(&self, user_id: Uuid) -> bool {
        self.user_id == user_id || self.is_admin()
    }
}

impl From<Claims> for Identity {
    fn from(claims: Claims) -> Self {
        Self {
            user_id: claims.sub,
            roles: claims.roles,
            scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
            session_id: claims.sid,
            name: claims.name,
            email: claims.email,
        }
    }
}

/// The caller of one request, as far as its `Authorization` header tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Authenticated(Identity),
    /// A token was sent but it is not valid; the reason is safe to show.
    Rejected(String),
}

impl Caller {
    /// The verified identity, or `UNAUTHENTICATED` saying why there is none.
    pub fn identity(&self) -> Result<&Identity, ApiError> {
        match self {
            Self::Authenticated(identity) => Ok(identity),
            Self::Anonymous => Err(ApiError::unauthenticated()),
            Self::Rejected(reason) => Err(ApiError::Unauthenticated(reason.clone())),
        }
    }

    /// The identity when it holds `role`; `FORBIDDEN` otherwise.
    pub fn require_role(&self, role: Role) -> Result<&Identity, ApiError> {
        let identity = self.identity()?;
        if identity.has_role(role) {
            Ok(identity)
        } else {
            Err(ApiError::Forbidden(format!("requires the {role} role")))
        }
    }

    pub fn as_identity(&self) -> Option<&Identity> {
        match self {
            Self::Authenticated(identity) => Some(identity),
            _ => None,
        }
    }
}

/// Why a token was refused; the text is safe to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("access token expired")]
    Expired,
    #[error("invalid access token")]
    Invalid,
    #[error("access token signed with an unknown key")]
    UnknownKey,
}

/// Verifies access tokens with keys from a JWKS: either a fixed set (the users subgraph's
/// own keys) or one fetched from a URL, cached, and fetched again when it gets old or a
/// token names a key it does not know (key rotation).
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<VerifierInner>,
}

struct VerifierInner {
    validation: Validation,
    keys: RwLock<KeySet>,
    remote: Option<RemoteJwks>,
}

struct KeySet {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

struct RemoteJwks {
    url: String,
    client: reqwest::Client,
    max_age: Duration,
    /// Serialises fetches and remembers the last attempt, so a flood of tokens with made-up
    /// key ids costs at most one fetch per `MIN_REFETCH`.
    last_attempt: Mutex<Option<Instant>>,
}

const MIN_REFETCH: Duration = Duration::from_secs(10);
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("cannot fetch JWKS from {url}: {source}")]
    Fetch {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("JWKS key `{kid}` is unusable: {source}")]
    Key {
        kid: String,
        #[source]
        source: jsonwebtoken::errors::Error,
    },
}

impl TokenVerifier {
    /// Verifies with a fixed set of keys.
    pub fn from_jwks(jwks: &JwkSet, issuer: &str, audience: &str) -> Result<Self, JwksError> {
        Ok(Self::new(
            issuer,
            audience,
            KeySet {
                by_kid: decoding_keys(jwks)?,
                fetched_at: None,
            },
            None,
        ))
    }

    /// Verifies with the keys published at `url`, fetched on first use and refreshed.
    pub fn remote(url: impl Into<String>, issuer: &str, audience: &str, max_age: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self::new(
            issuer,
            audience,
            KeySet {
                by_kid: HashMap::new(),
                fetched_at: None,
            },
            Some(RemoteJwks {
                url: url.into(),
                client,
                max_age,
                last_attempt: Mutex::new(None),
            }),
        )
    }

    fn new(issuer: &str, audience: &str, keys: KeySet, remote: Option<RemoteJwks>) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            inner: Arc::new(VerifierInner {
                validation,
                keys: RwLock::new(keys),
                remote,
            }),
        }
    }

    /// Verifies a bearer token and returns who it identifies.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self.key(&kid).await?;
        match jsonwebtoken::decode::<Claims>(token, &key, &self.inner.validation) {
            Ok(data) => Ok(data.claims.into()),
            Err(err) => match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => Err(TokenError::Expired),
                _ => Err(TokenError::Invalid),
            },
        }
    }

    /// The caller a request's `Authorization` header value names.
    pub async fn caller(&self, authorization: Option<&str>) -> Caller {
        let Some(value) = authorization else {
            return Caller::Anonymous;
        };
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Caller::Rejected("expected `Authorization: Bearer <token>`".to_owned()),
        };
        match self.verify(token).await {
            Ok(identity) => Caller::Authenticated(identity),
            Err(err) => Caller::Rejected(err.to_string()),
        }
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        {
            let keys = self.inner.keys.read().await;
            let fresh = match (&self.inner.remote, keys.fetched_at) {
                (Some(remote), Some(at)) => at.elapsed() < remote.max_age,
                (Some(_), None) => false,
                (None, _) => true,
            };
            if let Some(key) = keys.by_kid.get(kid)
                && fresh
            {
                return Ok(key.clone());
            }
        }
        let Some(remote) = &self.inner.remote else {
            return Err(TokenError::UnknownKey);
        };
        self.refetch(remote).await;
        self.inner
            .keys
            .read()
            .await
            .by_kid
            .get(kid)
            .cloned()
            .ok_or(TokenError::UnknownKey)
    }

    async fn refetch(&self, remote: &RemoteJwks) {
        let mut last_attempt = remote.last_attempt.lock().await;
        if last_attempt.is_some_and(|at| at.elapsed() < MIN_REFETCH) {
            return;
        }
        *last_attempt = Some(Instant::now());
        match fetch_jwks(remote).await {
            Ok(by_kid) => {
                let mut keys = self.inner.keys.write().await;
                keys.by_kid = by_kid;
                keys.fetched_at = Some(Instant::now());
            }
            // Keep serving with the keys we have; the next miss tries again.
            Err(err) => tracing::warn!(cause = %err, "JWKS refresh failed"),
        }
    }
}

async fn fetch_jwks(remote: &RemoteJwks) -> Result<HashMap<String, DecodingKey>, JwksError> {
    let fetch_error = |source| JwksError::Fetch {
        url: remote.url.clone(),
        source,
    };
    let jwks: JwkSet = remote
        .client
        .get(&remote.url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(fetch_error)?
        .json()
        .await
        .map_err(fetch_error)?;
    decoding_keys(&jwks)
}

fn decoding_keys(jwks: &JwkSet) -> Result<HashMap<String, DecodingKey>, JwksError> {
    jwks.keys
        .iter()
        .filter_map(|jwk| jwk.common.key_id.clone().map(|kid| (kid, jwk)))
        .map(|(kid, jwk)| match DecodingKey::from_jwk(jwk) {
            Ok(key) => Ok((kid, key)),
            Err(source) => Err(JwksError::Key { kid, source }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [Role::Customer, Role::Support, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        assert!("ROOT".parse::<Role>().is_err());
    }

    #[tokio::test]
    async fn malformed_headers_and_tokens_are_rejected_with_a_reason() {
        let verifier = TokenVerifier::from_jwks(&JwkSet { keys: vec![] }, "users", "supergraph")
            .expect("an empty key set is valid");
        assert_eq!(verifier.caller(None).await, Caller::Anonymous);
        assert!(matches!(
            verifier.caller(Some("Basic abc")).await,
            Caller::Rejected(_)
        ));
        assert_eq!(
            verifier.caller(Some("Bearer not.a.jwt")).await,
            Caller::Rejected(TokenError::Invalid.to_string())
        );
    }
}
