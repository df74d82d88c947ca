//! What a user does with their own account: profile, password change, password reset,
//! deletion. Each change is one transaction; a deletion's transaction also writes
//! `user.deleted` to the outbox, for orders and reviews to act on.

use super::session::{DISPLAY_NAME_MAX, revoke_other_sessions};
use super::user::{Address, User, fetch};
use super::{normalize_email, required_text, state};
use crate::password::check_policy;
use crate::tokens::{hash_secret, new_secret};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{Duration, Utc};
use kit::ApiError;
use kit::events::{Envelope, outbox};
use kit::graphql::caller;
use kit::mail::Mail;
use uuid::Uuid;

/// The event announcing a deleted account (`data: { "user_id": ... }`).
pub const USER_DELETED: &str = "user.deleted";

#[derive(InputObject)]
pub struct AddressInput {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `FR`.
    pub country: String,
}

/// Fields left out are unchanged; `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub display_name: Option<String>,
    pub name: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub address: MaybeUndefined<AddressInput>,
}

#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    pub success: bool,
    /// How many other sessions were ended.
    pub revoked_sessions: i32,
}

#[derive(InputObject)]
pub struct DeleteAccountInput {
    /// The current password, to confirm.
    pub password: String,
}

#[derive(SimpleObject)]
pub struct DeleteAccountPayload {
    pub deleted_user_id: ID,
}

#[derive(InputObject)]
pub struct RequestPasswordResetInput {
    pub email: String,
}

#[derive(SimpleObject)]
pub struct RequestPasswordResetPayload {
    /// Always true: whether the email has an account is not disclosed.
    pub accepted: bool,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The token from the reset email.
    pub token: String,
    pub new_password: String,
}

#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    pub success: bool,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Changes the signed-in user's profile.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> Result<UpdateProfilePayload, ApiError> {
        let user_id = caller(ctx).identity()?.user_id;
        let display_name = input
            .display_name
            .map(|name| required_text("input.displayName", &name, DISPLAY_NAME_MAX))
            .transpose()?;
        let name = optional_text("input.name", input.name, 200)?;
        let phone = match input.phone {
            MaybeUndefined::Value(phone) => MaybeUndefined::Value(normalize_phone(&phone)?),
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let address = match input.address {
            MaybeUndefined::Value(address) => MaybeUndefined::Value(validate_address(address)?),
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };

        let state = state(ctx);
        let mut tx = state.pool.begin().await?;
        let mut user = sqlx::query!(
            r#"SELECT display_name, full_name, phone, address_line1, address_line2, address_city,
                      address_region, address_postal_code, address_country AS "address_country: String"
               FROM users WHERE id = $1 FOR UPDATE"#,
            user_id
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::NotFound("this account no longer exists".to_owned()))?;
        if let Some(display_name) = display_name {
            user.display_name = display_name;
        }
        apply(&mut user.full_name, name);
        apply(&mut user.phone, phone);
        match address {
            MaybeUndefined::Value(a) => {
                user.address_line1 = Some(a.line1);
                user.address_line2 = a.line2;
                user.address_city = Some(a.city);
                user.address_region = a.region;
                user.address_postal_code = Some(a.postal_code);
                user.address_country = Some(a.country);
            }
            MaybeUndefined::Null => {
                user.address_line1 = None;
                user.address_line2 = None;
                user.address_city = None;
                user.address_region = None;
                user.address_postal_code = None;
                user.address_country = None;
            }
            MaybeUndefined::Undefined => {}
        }
        sqlx::query!(
            r#"UPDATE users SET display_name = $2, full_name = $3, phone = $4, address_line1 = $5,
                   address_line2 = $6, address_city = $7, address_region = $8,
                   address_postal_code = $9, address_country = $10, updated_at = now()
               WHERE id = $1"#,
            user_id,
            user.display_name,
            user.full_name,
            user.phone,
            user.address_line1,
            user.address_line2,
            user.address_city,
            user.address_region,
            user.address_postal_code,
            user.address_country as Option<String>,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(UpdateProfilePayload {
            user: fetch(ctx, user_id).await?,
        })
    }

    /// Changes the password and ends every other session of the user.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> Result<ChangePasswordPayload, ApiError> {
        let identity = caller(ctx).identity()?;
        let state = state(ctx);
        let account = sqlx::query!(
            "SELECT email, password_hash FROM users WHERE id = $1",
            identity.user_id
        )
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::NotFound("this account no longer exists".to_owned()))?;
        if !state
            .passwords
            .verify(Some(&account.password_hash), &input.current_password)
            .await
        {
            return Err(ApiError::bad_input(
                "input.currentPassword",
                "the current password is wrong",
            ));
        }
        check_policy("input.newPassword", &input.new_password, &account.email)?;
        let password_hash = state.passwords.hash(&input.new_password).await?;

        let mut tx = state.pool.begin().await?;
        sqlx::query!(
            "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
            identity.user_id,
            password_hash
        )
        .execute(&mut *tx)
        .await?;
        let revoked = revoke_other_sessions(
            &mut tx,
            identity.user_id,
            identity.session_id,
            "password_changed",
        )
        .await?;
        tx.commit().await?;
        Ok(ChangePasswordPayload {
            success: true,
            revoked_sessions: i32::try_from(revoked).unwrap_or(i32::MAX),
        })
    }

    /// Deletes the signed-in user's account and everything stored with it.
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        input: DeleteAccountInput,
    ) -> Result<DeleteAccountPayload, ApiError> {
        let user_id = caller(ctx).identity()?.user_id;
        let state = state(ctx);
        let stored = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user_id)
            .fetch_optional(&state.pool)
            .await?
            .ok_or_else(|| ApiError::NotFound("this account no longer exists".to_owned()))?;
        if !state.passwords.verify(Some(&stored), &input.password).await {
            return Err(ApiError::bad_input(
                "input.password",
                "the password is wrong",
            ));
        }
        if !delete_user(state, user_id).await? {
            return Err(ApiError::NotFound(
                "this account no longer exists".to_owned(),
            ));
        }
        tracing::info!(user_id = %user_id, "account deleted");
        Ok(DeleteAccountPayload {
            deleted_user_id: ID(user_id.to_string()),
        })
    }

    /// Emails a single-use reset token when the address has an account. The answer is the
    /// same either way, and so is its timing: the work happens after the answer.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        input: RequestPasswordResetInput,
    ) -> Result<RequestPasswordResetPayload, ApiError> {
        let email = normalize_email("input.email", &input.email)?;
        let state = state(ctx).clone();
        tokio::spawn(async move {
            if let Err(err) = send_reset_token(&state, email).await {
                tracing::error!(cause = %err, "password reset request failed");
            }
        });
        Ok(RequestPasswordResetPayload { accepted: true })
    }

    /// Sets a new password with a reset token; every session of the user ends.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> Result<ResetPasswordPayload, ApiError> {
        let state = state(ctx);
        let invalid = || ApiError::bad_input("input.token", "invalid or expired reset token");
        let hash = hash_secret(&input.token);
        let mut tx = state.pool.begin().await?;
        let token = sqlx::query!(
            r#"SELECT t.user_id, t.expires_at, t.used_at, u.email
               FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
               WHERE t.token_hash = $1 FOR UPDATE OF t"#,
            hash
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(invalid)?;
        if token.used_at.is_some() || token.expires_at <= Utc::now() {
            return Err(invalid());
        }
        check_policy("input.newPassword", &input.new_password, &token.email)?;
        let password_hash = state.passwords.hash(&input.new_password).await?;
        sqlx::query!(
            "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
            token.user_id,
            password_hash
        )
        .execute(&mut *tx)
        .await?;
        // This token and any other outstanding one for the user are spent.
        sqlx::query!(
            "UPDATE password_reset_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
            token.user_id
        )
        .execute(&mut *tx)
        .await?;
        revoke_other_sessions(&mut tx, token.user_id, None, "password_reset").await?;
        tx.commit().await?;
        Ok(ResetPasswordPayload { success: true })
    }
}

/// Deletes the account and writes `user.deleted` to the outbox in one transaction, then wakes
/// the relay; false when there was no such account (deleted meanwhile: nothing is announced).
/// Sessions, refresh tokens and reset tokens go with it (ON DELETE CASCADE).
pub(crate) async fn delete_user(state: &crate::AppState, user_id: Uuid) -> Result<bool, ApiError> {
    let mut tx = state.pool.begin().await?;
    let deleted = sqlx::query_scalar!("DELETE FROM users WHERE id = $1 RETURNING id", user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if deleted.is_none() {
        return Ok(false);
    }
    let event = Envelope::new(
        USER_DELETED,
        user_id,
        serde_json::json!({ "user_id": user_id }),
    )
    .map_err(ApiError::internal)?;
    outbox::enqueue(&mut tx, &event)
        .await
        .map_err(ApiError::internal)?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(true)
}

async fn send_reset_token(state: &crate::AppState, email: String) -> Result<(), ApiError> {
    let Some(user_id) = sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", email)
        .fetch_optional(&state.pool)
        .await?
    else {
        return Ok(());
    };
    let (token, hash) = new_secret();
    let expires_at = Utc::now() + Duration::seconds(state.mail.reset_ttl_secs);
    sqlx::query!(
        "INSERT INTO password_reset_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        hash,
        user_id,
        expires_at
    )
    .execute(&state.pool)
    .await?;
    let minutes = state.mail.reset_ttl_secs / 60;
    let body = format!(
        "Someone asked to reset the password of your account.\n\n\
         Open this link within {minutes} minutes to choose a new one:\n\
         {base}{token}\n\n\
         Or enter this code:\n\n{token}\n\n\
         If it was not you, ignore this message; your password stays as it is.\n",
        base = state.mail.reset_link_base,
    );
    state.mailer.send_later(Mail {
        to: email,
        subject: "Reset your password".to_owned(),
        body,
    });
    Ok(())
}

fn apply<T>(slot: &mut Option<T>, change: MaybeUndefined<T>) {
    match change {
        MaybeUndefined::Value(value) => *slot = Some(value),
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Undefined => {}
    }
}

fn optional_text(
    field: &'static str,
    value: MaybeUndefined<String>,
    max: usize,
) -> Result<MaybeUndefined<String>, ApiError> {
    Ok(match value {
        MaybeUndefined::Value(text) => MaybeUndefined::Value(required_text(field, &text, max)?),
        MaybeUndefined::Null => MaybeUndefined::Null,
        MaybeUndefined::Undefined => MaybeUndefined::Undefined,
    })
}

/// Keeps `+`, digits and single spaces; 6 to 15 digits (E.164's bounds).
fn normalize_phone(raw: &str) -> Result<String, ApiError> {
    let raw = raw.trim();
    let invalid = || ApiError::bad_input("input.phone", "not a valid phone number");
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let allowed = raw
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
    if !allowed || !(6..=15).contains(&digits) {
        return Err(invalid());
    }
    Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn validate_address(input: AddressInput) -> Result<Address, ApiError> {
    let country = input.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::bad_input(
            "input.address.country",
            "country must be an ISO 3166-1 alpha-2 code such as FR",
        ));
    }
    let optional = |field, value: Option<String>| {
        value
            .filter(|v| !v.trim().is_empty())
            .map(|v| required_text(field, &v, 200))
            .transpose()
    };
    Ok(Address {
        line1: required_text("input.address.line1", &input.line1, 200)?,
        line2: optional("input.address.line2", input.line2)?,
        city: required_text("input.address.city", &input.city, 100)?,
        region: optional("input.address.region", input.region)?,
        postal_code: required_text("input.address.postalCode", &input.postal_code, 20)?,
        country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_checked_and_tidied() {
        assert_eq!(
            normalize_phone(" +33  6 12 34 56 78 ").ok().as_deref(),
            Some("+33 6 12 34 56 78")
        );
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("06-12-34-56-78").is_ok());
        assert!(normalize_phone("6+12345678").is_err());
        assert!(normalize_phone("call me").is_err());
    }
}
