//! Order confirmations by mail: through an SMTP relay when one is configured, otherwise
//! written to the log (development). A failed send is logged; it never undoes a payment.

use crate::settings::MailSettings;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail address `{0}`")]
    Address(String),
    #[error("invalid SMTP url: {0}")]
    Url(lettre::transport::smtp::Error),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the relay refused the message: {0}")]
    Send(#[from] lettre::transport::smtp::Error),
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let from = settings
            .from
            .parse()
            .map_err(|_| MailError::Address(settings.from.clone()))?;
        let transport = match &settings.smtp_url {
            Some(url) => Some(Arc::new(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(MailError::Url)?
                    .build(),
            )),
            None => {
                tracing::warn!("no SMTP relay configured; order confirmations go to the log");
                None
            }
        };
        Ok(Self { from, transport })
    }

    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let Some(transport) = &self.transport else {
            tracing::info!(to, subject, body = %body, "mail (not sent: no relay)");
            return Ok(());
        };
        let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body)?;
        transport.send(message).await?;
        Ok(())
    }
}
