use anyhow::{Context, bail};
use orders::{Application, Settings};

const USAGE: &str = "usage:
  orders                                  serve the subgraph and run its worker
  orders --print-schema                   print the subgraph's SDL
  orders dead-letters list [QUEUE] [N]    show up to N (20) dead-lettered messages of QUEUE
  orders dead-letters replay [QUEUE] [N]  move up to N (all) of them back into QUEUE
QUEUE is orders.saga (default) or orders.users.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => serve().await,
        ["--print-schema"] => {
            print!("{}", orders::schema::sdl());
            Ok(())
        }
        ["dead-letters", command, rest @ ..] => {
            let settings = Settings::load()?;
            let output = orders::cli::dead_letters(&settings.events, command, rest).await?;
            print!("{output}");
            Ok(())
        }
        ["--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let _telemetry = kit::telemetry::init("orders", &settings.telemetry)?;
    let app = Application::build(settings)
        .await
        .context("cannot start the orders subgraph")?;
    tracing::info!(port = app.port(), "orders subgraph listening");
    app.run_until_stopped().await?;
    Ok(())
}
