use anyhow::{Context, bail};
use reviews::{Application, Settings};

const USAGE: &str = "usage:
  reviews                    serve the subgraph
  reviews --print-schema     print the subgraph's SDL";

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
            print!("{}", reviews::schema::sdl());
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
    let _telemetry = kit::telemetry::init("reviews", &settings.telemetry)?;
    let app = Application::build(settings)
        .await
        .context("cannot start the reviews subgraph")?;
    tracing::info!(port = app.port(), "reviews subgraph listening");
    app.run_until_stopped().await?;
    Ok(())
}
