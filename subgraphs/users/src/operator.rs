//! Tasks an operator runs from the command line, outside GraphQL.

use kit::Role;
use sqlx::PgPool;

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("no account with the email `{0}`")]
    UnknownEmail(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Adds `role` to the account with `email` (how the first admin is made). Idempotent.
pub async fn grant_role(
    pool: &PgPool,
    email: &str,
    role: Role,
) -> Result<Vec<String>, OperatorError> {
    let email = email.trim().to_lowercase();
    sqlx::query_scalar!(
        r#"UPDATE users
           SET roles = (SELECT array_agg(DISTINCT r ORDER BY r) FROM unnest(roles || $2::text) AS r),
               updated_at = now()
           WHERE email = $1
           RETURNING roles"#,
        email,
        role.as_str()
    )
    .fetch_optional(pool)
    .await?
    .ok_or(OperatorError::UnknownEmail(email))
}
