use anyhow::{Context, bail};
use demo::api::Api;

const USAGE: &str = "usage:
  demo-seed [--router URL]
      create the demo data through the router's GraphQL endpoint
      (default http://127.0.0.1:4000/graphql); a second run changes nothing.
      The admin role is granted on the users subgraph's database, configured by the
      same USERS_* variables as the users subgraph (USERS_DATABASE__URL).";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let router = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => "http://127.0.0.1:4000/graphql".to_owned(),
        ["--router", url] => (*url).to_owned(),
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("{USAGE}"),
    };
    let settings = users::Settings::load()?;
    let _telemetry = kit::telemetry::init("demo-seed", &settings.telemetry)?;
    let users_db = kit::db::connect_and_migrate(&settings.database, &users::MIGRATOR)
        .await
        .context("cannot reach the users database")?;
    let api = Api::new(router)?;
    let seeded = demo::seed(&api, &users_db)
        .await
        .context("cannot create the demo data")?;
    println!("demo data: {}", seeded.report);
    println!("{}", demo::data::sign_in_help());
    Ok(())
}
