use anyhow::{Context, bail};
use router::reload::Watcher;
use router::{Config, WorkerServer};
use std::path::PathBuf;
use std::time::Duration;

// The router allocates and frees many small JSON values per request, from many threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage:
  router [--supergraph FILE] [--config FILE]
      serve the supergraph (the config file may name it instead)
  router plan --supergraph FILE --query FILE [--operation NAME]
      print the query plan of an operation
  router compose --config FILE [--output FILE]
      compose the subgraphs the file lists into a supergraph (to stdout or FILE)
  router schema --api [--supergraph FILE]
      print the public API schema of a supergraph (default: schema/supergraph.graphql)";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("plan") {
        return plan(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("compose") {
        return compose(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("schema") {
        return schema(&args[1..]);
    }
    serve(&args)
}

/// The value following `flag`, if given.
fn option(args: &[String], flag: &str) -> anyhow::Result<Option<String>> {
    match args.iter().position(|arg| arg == flag) {
        Some(index) => match args.get(index + 1) {
            Some(value) => Ok(Some(value.clone())),
            None => bail!("{flag} needs a value\n{USAGE}"),
        },
        None => Ok(None),
    }
}

fn check_flags(args: &[String], known: &[&str]) -> anyhow::Result<()> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if !known.contains(&arg.as_str()) {
            bail!("unknown argument `{arg}`\n{USAGE}");
        }
        iter.next();
    }
    Ok(())
}

fn serve(args: &[String]) -> anyhow::Result<()> {
    check_flags(args, &["--supergraph", "--config"])?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROUTER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match option(args, "--config")? {
        Some(path) => Config::from_file(&PathBuf::from(path))?,
        None => Config::default(),
    };
    let supergraph_path = option(args, "--supergraph")?
        .map(PathBuf::from)
        .or_else(|| config.supergraph.clone())
        .context("no supergraph: pass --supergraph FILE or set `supergraph` in the config")?;
    let sdl = std::fs::read_to_string(&supergraph_path)
        .with_context(|| format!("cannot read {}", supergraph_path.display()))?;
    let server = WorkerServer::bind(&config, &sdl)?;
    tracing::info!(address = %server.address(), supergraph = %supergraph_path.display(), "router listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // The supergraph file is watched (and reread on SIGHUP) until shutdown.
    let watcher = Watcher::new(server.serving(), &supergraph_path, sdl);
    let watcher_stop = stopped.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(runtime) = runtime {
            runtime.block_on(async {
                tokio::select! {
                    _ = shutdown_signal() => {}
                    _ = watcher.run(Duration::from_secs(1), watcher_stop) => {}
                }
            });
        }
        tracing::info!("shutting down; finishing requests in flight");
        let _ = stop.send(true);
    });
    server.run(stopped)?;
    Ok(())
}

/// Completes on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {},
                    _ = terminate.recv() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn plan(args: &[String]) -> anyhow::Result<()> {
    check_flags(args, &["--supergraph", "--query", "--operation"])?;
    let supergraph_path = option(args, "--supergraph")?.context(USAGE)?;
    let query_path = option(args, "--query")?.context(USAGE)?;
    let sdl = std::fs::read_to_string(&supergraph_path)
        .with_context(|| format!("cannot read {supergraph_path}"))?;
    let query = std::fs::read_to_string(&query_path)
        .with_context(|| format!("cannot read {query_path}"))?;
    let supergraph = federation::Supergraph::parse(&sdl)?;
    let operation_name = option(args, "--operation")?;
    match router::pipeline::prepare::prepare(
        &supergraph,
        &query,
        operation_name.as_deref(),
        usize::MAX,
    ) {
        Ok(prepared) => {
            println!("{}", prepared.plan);
            Ok(())
        }
        Err(err) => bail!("cannot plan the operation: {err:?}"),
    }
}

fn compose(args: &[String]) -> anyhow::Result<()> {
    check_flags(args, &["--config", "--output"])?;
    let config_path = PathBuf::from(option(args, "--config")?.context(USAGE)?);
    let config = router::compose::ComposeConfig::from_file(&config_path)?;
    let base_dir = config_path.parent().unwrap_or(std::path::Path::new("."));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let composed = match runtime.block_on(router::compose::compose_subgraphs(&config, base_dir)) {
        Ok(composed) => composed,
        Err(err) => {
            // Every error, as is (no backtrace): they are the user's to fix.
            eprint!("{err}");
            std::process::exit(1);
        }
    };
    for hint in &composed.hints {
        eprintln!("hint: {hint}");
    }
    match option(args, "--output")? {
        Some(path) => std::fs::write(&path, &composed.supergraph_sdl)
            .with_context(|| format!("cannot write {path}"))?,
        None => print!("{}", composed.supergraph_sdl),
    }
    Ok(())
}

fn schema(args: &[String]) -> anyhow::Result<()> {
    let Some((_api, rest)) = args.split_first().filter(|(first, _)| *first == "--api") else {
        bail!("`router schema` prints the API schema: pass --api\n{USAGE}");
    };
    check_flags(rest, &["--supergraph"])?;
    let path = option(rest, "--supergraph")?.unwrap_or_else(|| "schema/supergraph.graphql".into());
    let sdl = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let supergraph = federation::Supergraph::parse(&sdl)?;
    print!("{}", router::schema::api_sdl(&supergraph));
    Ok(())
}
