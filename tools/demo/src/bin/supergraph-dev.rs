use anyhow::{Context, bail};
use demo::api::Api;
use demo::supergraph::{self, Settings};
use router::reload::Watcher;
use std::path::{Path, PathBuf};
use std::time::Duration;

const USAGE: &str = "usage:
  supergraph-dev [--router-config FILE]
      start the whole supergraph in this process for development: the users (4001),
      catalog (4002), reviews (4003) and orders (4004) subgraphs, each creating and
      migrating its own database, the payment provider stand-in (4010), and the router
      (4000) serving the supergraph composed from them (written to .dev/supergraph.graphql,
      reloaded when that file changes); then the demo data is seeded. Each service reads
      its usual variables (USERS_*, CATALOG_*, REVIEWS_*, ORDERS_*). Where RabbitMQ or
      Redis cannot be reached, in-process stand-ins take their place. The router's
      settings come from FILE when given (the router's own format; its `supergraph` and
      subgraph URLs are ignored). Ctrl-C stops it.";

/// Where the composed supergraph and the compose config are written.
const DEV_DIR: &str = ".dev";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => run(router::Config::default()).await,
        ["--router-config", file] => {
            let mut config = router::Config::from_file(Path::new(file))?;
            // The subgraphs are where this process starts them.
            config.supergraph = None;
            config.subgraphs.clear();
            run(config).await
        }
        ["--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

async fn run(config: router::Config) -> anyhow::Result<()> {
    let mut settings = Settings::load()?;
    let dev_dir = PathBuf::from(DEV_DIR);
    std::fs::create_dir_all(&dev_dir).with_context(|| format!("cannot create {DEV_DIR}"))?;
    if settings.users.tokens.private_key_pem.is_none()
        && settings.users.tokens.private_key_file.is_none()
    {
        // A stable signing key, so tokens survive restarts.
        settings.users.tokens.private_key_file = Some(dev_dir.join("users-signing-key.pem"));
    }
    let _telemetry = kit::telemetry::init("supergraph", &settings.users.telemetry)?;
    for fallback in settings.fall_back_where_absent().await {
        tracing::warn!("{fallback}");
        eprintln!("note: {fallback}");
    }
    // The users database first: when Postgres is not there, say how to start one.
    let users_db = match kit::db::connect_and_migrate(&settings.users.database, &users::MIGRATOR)
        .await
    {
        Ok(pool) => pool,
        Err(err @ kit::db::DbError::Connect { .. }) => bail!(
            "{err}\nStart PostgreSQL, e.g.:\n  sudo pg_ctlcluster $(ls /etc/postgresql) main start\n  \
             or: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\n\
             (or point USERS_DATABASE__URL and the others at one)"
        ),
        Err(err) => return Err(err).context("cannot prepare the users database"),
    };

    let mut subgraphs = supergraph::start_subgraphs(settings)
        .await
        .context("cannot start the subgraphs")?;
    let outcome = serve(&mut subgraphs, &config, &dev_dir, &users_db).await;
    subgraphs.stop().await;
    outcome
}

/// Composes, starts the router and seeds; then waits for Ctrl-C or a server ending.
async fn serve(
    subgraphs: &mut supergraph::Subgraphs,
    config: &router::Config,
    dev_dir: &Path,
    users_db: &sqlx::PgPool,
) -> anyhow::Result<()> {
    let compose_file = dev_dir.join("compose.yaml");
    std::fs::write(&compose_file, compose_yaml(subgraphs))
        .with_context(|| format!("cannot write {}", compose_file.display()))?;
    let sdl = subgraphs
        .compose()
        .await
        .context("the running subgraphs do not compose into a supergraph")?;
    let supergraph_file = dev_dir.join("supergraph.graphql");
    std::fs::write(&supergraph_file, &sdl)
        .with_context(|| format!("cannot write {}", supergraph_file.display()))?;

    let router = router::RouterServer::build(config, &sdl)
        .await
        .context("the router cannot serve the composed supergraph")?;
    let router_url = format!("http://127.0.0.1:{}", router.port());
    let watcher = Watcher::new(router.serving(), &supergraph_file, sdl);
    let (stop_watching, watching) = tokio::sync::watch::channel(false);
    tokio::spawn(watcher.run(Duration::from_secs(1), watching));
    subgraphs.spawn(|stop| router.run_until(stop));

    let api = Api::new(format!("{router_url}/graphql"))?;
    let seeded = demo::seed(&api, users_db)
        .await
        .context("cannot create the demo data")?;
    println!("{}", banner(subgraphs, &router_url, &seeded.report));

    let outcome = tokio::select! {
        () = kit::http::shutdown_signal() => Ok(()),
        ended = subgraphs.any_ended() => {
            ended.context("a server stopped")?;
            bail!("a server stopped; stopping the others")
        }
    };
    let _ = stop_watching.send(true);
    outcome
}

fn compose_yaml(subgraphs: &supergraph::Subgraphs) -> String {
    let mut yaml = String::from(
        "# Written by supergraph-dev: no `schema:` paths, so each subgraph is asked for its SDL.\n\
         # Recompose while it runs with:\n\
         #   router compose --config .dev/compose.yaml --output .dev/supergraph.graphql\n\
         subgraphs:\n",
    );
    for (name, url) in &subgraphs.urls {
        yaml.push_str(&format!("  {name}: {{ url: {url}/graphql }}\n"));
    }
    yaml
}

fn banner(
    subgraphs: &supergraph::Subgraphs,
    router_url: &str,
    seeded: &demo::SeedReport,
) -> String {
    let url = |name: &str| subgraphs.urls.get(name).cloned().unwrap_or_default();
    format!(
        "
demo data: {seeded}
{help}

The supergraph is up.
  router (the API):  {router_url}/graphql   POST GraphQL; open it in a browser for GraphiQL
  API schema:        {router_url}/schema.graphql
  supergraph:        .dev/supergraph.graphql (composed from the running subgraphs)
  users subgraph:    {users}/graphql (JWKS at /.well-known/jwks.json)
  catalog subgraph:  {catalog}/graphql
  reviews subgraph:  {reviews}/graphql
  orders subgraph:   {orders}/graphql (subscriptions: ws on the same path)
  payment provider:  {payments} (stand-in; PUT /admin/behaviour)
Ctrl-C stops everything.",
        help = demo::data::sign_in_help(),
        users = url("users"),
        catalog = url("catalog"),
        reviews = url("reviews"),
        orders = url("orders"),
        payments = subgraphs.payment_url,
    )
}
