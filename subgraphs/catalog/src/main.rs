use anyhow::{Context, bail};
use catalog::{Application, Settings};

const USAGE: &str = "usage:
  catalog                    serve the subgraph
  catalog --print-schema     print the subgraph's SDL";

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
            print!("{}", catalog::schema::sdl());
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
    let _telemetry = kit::telemetry::init("catalog", &settings.telemetry)?;
    let app = Application::build(settings)
        .await
        .context("cannot start the catalog subgraph")?;
    tracing::info!(port = app.port(), "catalog subgraph listening");
    app.run_until_stopped().await?;
    Ok(())
}
