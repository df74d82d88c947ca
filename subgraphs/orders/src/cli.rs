//! `orders dead-letters list|replay [QUEUE] [N]`: what the saga's consumers could not handle,
//! and putting it back once the cause is fixed.

use crate::saga::{SAGA_QUEUE, USERS_QUEUE};
use kit::events::{Broker, dead_letters};
use kit::settings::EventSettings;
use std::fmt::Write;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("unknown command `{0}`: expected `list` or `replay`")]
    Command(String),
    #[error("unknown queue `{0}`: expected {SAGA_QUEUE} or {USERS_QUEUE}")]
    Queue(String),
    #[error("`{0}` is not a count")]
    Count(String),
    #[error(transparent)]
    Events(#[from] kit::events::EventError),
}

/// Runs `dead-letters <command> [QUEUE] [N]` and returns what to print.
pub async fn dead_letters(
    settings: &EventSettings,
    command: &str,
    args: &[&str],
) -> Result<String, CliError> {
    let queue = match args.first() {
        None => SAGA_QUEUE,
        Some(&queue) if queue == SAGA_QUEUE || queue == USERS_QUEUE => queue,
        Some(other) => return Err(CliError::Queue((*other).to_owned())),
    };
    let count = args
        .get(1)
        .map(|n| {
            n.parse::<usize>()
                .map_err(|_| CliError::Count((*n).to_owned()))
        })
        .transpose()?;
    let broker = Broker::new(settings, "orders-cli");
    let mut output = String::new();
    match command {
        "list" => {
            let letters = dead_letters::list(&broker, queue, count.unwrap_or(20)).await?;
            let _ = writeln!(
                output,
                "{} dead-lettered message(s) in {queue}.dead",
                letters.len()
            );
            for letter in letters {
                let (id, kind) = letter
                    .envelope
                    .as_ref()
                    .map(|e| (e.id.to_string(), e.kind.clone()))
                    .unwrap_or_else(|| ("-".to_owned(), "(not an envelope)".to_owned()));
                let _ = writeln!(
                    output,
                    "{id}  {kind}  retries={}  reason={}\n  {}",
                    letter.retries,
                    letter.reason.as_deref().unwrap_or("-"),
                    letter.body
                );
            }
        }
        "replay" => {
            let replayed =
                dead_letters::replay(&broker, queue, count.unwrap_or(usize::MAX)).await?;
            let _ = writeln!(output, "replayed {replayed} message(s) into {queue}");
        }
        other => return Err(CliError::Command(other.to_owned())),
    }
    broker.reset().await;
    Ok(output)
}
