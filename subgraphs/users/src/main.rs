use anyhow::{Context, bail};
use users::{Application, Settings};

const USAGE: &str = "usage:
  users                          serve the subgraph
  users --print-schema           print the subgraph's SDL
  users grant-role EMAIL ROLE    give an account a role (CUSTOMER, SUPPORT or ADMIN)";

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
            print!("{}", users::schema::sdl());
            Ok(())
        }
        ["grant-role", email, role] => grant_role(email, role).await,
        ["--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let _telemetry = kit::telemetry::init("users", &settings.telemetry)?;
    let app = Application::build(settings)
        .await
        .context("cannot start the users subgraph")?;
    tracing::info!(port = app.port(), "users subgraph listening");
    app.run_until_stopped().await?;
    Ok(())
}

async fn grant_role(email: &str, role: &str) -> anyhow::Result<()> {
    let role = role.to_uppercase().parse()?;
    let settings = Settings::load()?;
    let pool = kit::db::connect_and_migrate(&settings.database, &users::MIGRATOR).await?;
    let roles = users::operator::grant_role(&pool, email, role).await?;
    println!("{email}: {}", roles.join(", "));
    Ok(())
}
