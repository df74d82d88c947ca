use anyhow::Context;
use users::{Application, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().any(|arg| arg == "--print-schema") {
        print!("{}", users::schema::sdl());
        return Ok(());
    }
    let settings = Settings::load()?;
    let _telemetry = kit::telemetry::init("users", &settings.telemetry)?;
    let app = Application::build(settings)
        .await
        .context("cannot start the users subgraph")?;
    tracing::info!(port = app.port(), "users subgraph listening");
    app.run_until_stopped().await?;
    Ok(())
}
