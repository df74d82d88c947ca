//! Outgoing mail: through an SMTP relay when one is configured, otherwise written to the log
//! (development). [`Mailer::send_later`] sends off the request path, so a slow relay never
//! delays an answer and answer times reveal nothing about whether a message was sent.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
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

/// Whether `text` is a mail address the mailer can send to.
pub fn is_address(text: &str) -> bool {
    text.parse::<lettre::Address>().is_ok()
}

/// One message to one recipient.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    /// Mail from `from` through the relay at `smtp_url` (`smtp://` or `smtps://`), or to the
    /// log when there is none.
    pub fn new(smtp_url: Option<&SecretString>, from: &str) -> Result<Self, MailError> {
        let from = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        let transport = match smtp_url {
            Some(url) => Some(Arc::new(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(MailError::Url)?
                    .build(),
            )),
            None => {
                tracing::warn!("no SMTP relay configured; mail is written to the log");
                None
            }
        };
        Ok(Self { from, transport })
    }

    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let Some(transport) = &self.transport else {
            tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.body, "mail (not sent: no relay)");
            return Ok(());
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Address(mail.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .body(mail.body)?;
        transport.send(message).await?;
        Ok(())
    }

    /// Sends in the background; a failure is logged, never shown to the requester.
    pub fn send_later(&self, mail: Mail) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(mail).await {
                tracing::error!(cause = %err, "sending mail failed");
            }
        });
    }
}
