//! The users subgraph's GraphQL schema.
//!
//! - [`user`]: the `User` entity, its privacy rules, its dataloader, `me` and `user`.
//! - [`session`]: register, log in, refresh-token rotation, log out.
//! - [`account`]: profile, password change, password reset, account deletion.
//! - [`admin`]: listing and searching users, changing roles.

pub mod account;
pub mod admin;
pub mod session;
pub mod user;

use crate::app::AppState;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, ID, MergedObject, Schema};
use kit::ApiError;
use uuid::Uuid;

pub type UsersSchema = Schema<Query, Mutation, EmptySubscription>;

#[derive(MergedObject, Default)]
pub struct Query(user::UserQuery, admin::AdminQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutation,
    account::AccountMutation,
    admin::AdminMutation,
);

pub fn build(state: AppState) -> UsersSchema {
    let loader = DataLoader::new(user::UserLoader::new(state.pool.clone()), tokio::spawn);
    kit::graphql::configure(Schema::build(
        Query::default(),
        Mutation::default(),
        EmptySubscription,
    ))
    .data(loader)
    .data(state)
    .finish()
}

/// The SDL the subgraph serves at `_service { sdl }`, as checked in under `schema/`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .enable_federation()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}

pub(crate) fn state<'a>(ctx: &'a Context<'_>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

/// An `ID` argument that must be a user id.
pub(crate) fn parse_id(field: &'static str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::bad_input(field, "not a valid id"))
}

/// Trims and lower-cases an email address after checking its shape.
pub(crate) fn normalize_email(field: &'static str, raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let invalid = || ApiError::bad_input(field, "not a valid email address");
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    if local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || !domain.contains('.')
        || !labels_ok
    {
        return Err(invalid());
    }
    Ok(email)
}

/// A required free-text field: trimmed, non-empty, at most `max` characters.
pub(crate) fn required_text(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(ApiError::bad_input(
            field,
            format!("must have at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_malformed_ones_refused() {
        assert_eq!(
            normalize_email("e", "  Ada@Example.COM ").ok().as_deref(),
            Some("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@exa..mple.com",
            "ada@-x.com",
        ] {
            assert!(
                normalize_email("e", bad).is_err(),
                "{bad} should be refused"
            );
        }
    }
}
