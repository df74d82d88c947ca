//! The whole supergraph in one process: the four subgraphs (each creating and migrating its
//! own database) and the payment provider stand-in, then a supergraph composed from the SDL
//! the running subgraphs serve. `supergraph-dev` runs it on the design's ports with the router
//! in front; the end-to-end tests run it on port 0 with databases and names of their own.
//!
//! Where RabbitMQ or Redis cannot be reached, [`Settings::fall_back_where_absent`] switches
//! the services to the in-process stand-ins (`memory://`), which all of them share because
//! they share the process.

use kit::events::Broker;
use kit::settings::{EventSettings, RedisSettings, SettingsError};
use router::compose::{ComposeConfig, ComposeError, SubgraphSource};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a probe of RabbitMQ or Redis may take before it counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Every service's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub users: users::Settings,
    pub catalog: catalog::Settings,
    pub reviews: reviews::Settings,
    pub orders: orders::Settings,
    /// The payment provider stand-in's port (0: any).
    pub payment_port: u16,
}

impl Settings {
    /// Each service's settings from its own environment variables (`USERS_*`, `CATALOG_*`,
    /// `REVIEWS_*`, `ORDERS_*`) over its defaults; the payment provider on 4010.
    pub fn load() -> Result<Self, SettingsError> {
        Ok(Self {
            users: users::Settings::load()?,
            catalog: catalog::Settings::load()?,
            reviews: reviews::Settings::load()?,
            orders: orders::Settings::load()?,
            payment_port: 4010,
        })
    }

    /// Applies `change` to the event settings of every service that has them.
    pub fn events_mut(&mut self, change: impl Fn(&mut EventSettings)) {
        change(&mut self.users.events);
        change(&mut self.catalog.events);
        change(&mut self.reviews.events);
        change(&mut self.orders.events);
    }

    /// Applies `change` to the Redis settings of every service that has them.
    pub fn redis_mut(&mut self, change: impl Fn(&mut RedisSettings)) {
        change(&mut self.catalog.redis);
        change(&mut self.orders.redis);
    }

    /// Switches to the in-process stand-ins for RabbitMQ and Redis where they cannot be
    /// reached; returns what was switched, to say so.
    pub async fn fall_back_where_absent(&mut self) -> Vec<Fallback> {
        let mut fallbacks = Vec::new();
        let events = self.orders.events.clone();
        if events.enabled && !kit::in_process::is_in_process(events.url.expose_secret()) {
            let broker = Broker::new(&events, "supergraph-probe");
            let reachable = matches!(
                tokio::time::timeout(PROBE_TIMEOUT, broker.connection()).await,
                Ok(Ok(_))
            );
            broker.reset().await;
            if !reachable {
                self.events_mut(|settings| {
                    settings.url = SecretString::from(kit::in_process::URL);
                });
                fallbacks.push(Fallback::Events);
            }
        }
        let redis = self.orders.redis.url.expose_secret().to_owned();
        if !kit::in_process::is_in_process(&redis) && !redis_answers(&redis).await {
            self.redis_mut(|settings| {
                settings.url = SecretString::from(kit::in_process::URL);
            });
            fallbacks.push(Fallback::Redis);
        }
        fallbacks
    }
}

/// A stand-in used in place of a server that could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The in-process event bus instead of RabbitMQ.
    Events,
    /// The in-process store and channels instead of Redis.
    Redis,
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Events => {
                "RabbitMQ is unreachable: events go over an in-process bus (the checkout saga \
                 runs; messages waiting in it are lost when this process stops)"
            }
            Self::Redis => {
                "Redis is unreachable: the catalog cache and live order status are kept in \
                 this process"
            }
        })
    }
}

async fn redis_answers(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let ping = async {
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
    };
    matches!(tokio::time::timeout(PROBE_TIMEOUT, ping).await, Ok(Ok(_)))
}

/// Why the supergraph did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the {service} subgraph cannot start: {cause}")]
    Subgraph {
        service: &'static str,
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the payment provider stand-in cannot listen on port {port}: {cause}")]
    PaymentProvider { port: u16, cause: std::io::Error },
}

fn failed<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    service: &'static str,
) -> impl FnOnce(E) -> StartError {
    move |cause| StartError::Subgraph {
        service,
        cause: cause.into(),
    }
}

/// The running subgraphs and stand-in, until [`stop`](Self::stop).
pub struct Subgraphs {
    /// Each subgraph's base URL (`http://127.0.0.1:<port>`), by name.
    pub urls: BTreeMap<&'static str, String>,
    /// The payment provider stand-in's base URL.
    pub payment_url: String,
    /// The payment provider stand-in's state (tests tell it to fail or decline).
    pub provider: payment_provider::Provider,
    /// The event brokers of the services that have one (tests drop their connections).
    pub brokers: Vec<Broker>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<std::io::Result<()>>,
}

/// Starts the payment provider and the four subgraphs; the others verify tokens against the
/// users subgraph's keys, orders reaches the catalog and the payment provider, all at the
/// addresses they were given here (whatever the settings said).
pub async fn start_subgraphs(mut settings: Settings) -> Result<Subgraphs, StartError> {
    let (stop, _) = watch::channel(false);
    let mut running = Subgraphs {
        urls: BTreeMap::new(),
        payment_url: String::new(),
        provider: payment_provider::Provider::default(),
        brokers: Vec::new(),
        stop,
        tasks: JoinSet::new(),
    };
    let port = settings.payment_port;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|cause| StartError::PaymentProvider { port, cause })?;
    let address = listener
        .local_addr()
        .map_err(|cause| StartError::PaymentProvider { port, cause })?;
    running.payment_url = format!("http://{address}");
    let stopped = running.stopped();
    running.tasks.spawn(payment_provider::serve(
        listener,
        running.provider.clone(),
        stopped,
    ));

    let users = users::Application::build(settings.users)
        .await
        .map_err(failed("users"))?;
    let users_url = running.add("users", users.port());
    running.brokers.extend(users.broker().cloned());
    running.spawn(|stop| users.run_until(stop));

    let jwks_url = format!("{users_url}/.well-known/jwks.json");
    settings.catalog.auth.jwks_url = jwks_url.clone();
    settings.reviews.auth.jwks_url = jwks_url.clone();
    settings.orders.auth.jwks_url = jwks_url;

    let catalog = catalog::Application::build(settings.catalog)
        .await
        .map_err(failed("catalog"))?;
    let catalog_url = running.add("catalog", catalog.port());
    running.brokers.extend(catalog.broker().cloned());
    running.spawn(|stop| catalog.run_until(stop));

    let reviews = reviews::Application::build(settings.reviews)
        .await
        .map_err(failed("reviews"))?;
    running.add("reviews", reviews.port());
    running.brokers.extend(reviews.broker().cloned());
    running.spawn(|stop| reviews.run_until(stop));

    settings.orders.catalog.url = format!("{catalog_url}/graphql");
    settings.orders.payments.url = running.payment_url.clone();
    let orders = orders::Application::build(settings.orders)
        .await
        .map_err(failed("orders"))?;
    running.add("orders", orders.port());
    running.brokers.extend(orders.broker().cloned());
    running.spawn(|stop| orders.run_until(stop));
    Ok(running)
}

impl Subgraphs {
    fn add(&mut self, name: &'static str, port: u16) -> String {
        let url = format!("http://127.0.0.1:{port}");
        self.urls.insert(name, url.clone());
        url
    }

    /// What `router compose` reads to compose these subgraphs from their `_service { sdl }`.
    pub fn compose_config(&self) -> ComposeConfig {
        ComposeConfig {
            subgraphs: self
                .urls
                .iter()
                .map(|(name, url)| {
                    let source = SubgraphSource {
                        url: format!("{url}/graphql"),
                        schema: None,
                    };
                    ((*name).to_owned(), source)
                })
                .collect(),
        }
    }

    /// The supergraph SDL composed from what the running subgraphs serve.
    pub async fn compose(&self) -> Result<String, ComposeError> {
        let composed =
            router::compose::compose_subgraphs(&self.compose_config(), std::path::Path::new("."))
                .await?;
        for hint in &composed.hints {
            tracing::info!(%hint, "composition hint");
        }
        Ok(composed.supergraph_sdl)
    }

    /// A future that completes when [`stop`](Self::stop) is called.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stopped = self.stop.subscribe();
        async move {
            let _ = stopped.wait_for(|stopped| *stopped).await;
        }
    }

    /// Runs a server (given the future that says when to stop) until the others stop.
    pub fn spawn<Fut>(
        &mut self,
        start: impl FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut,
    ) where
        Fut: Future<Output = std::io::Result<()>> + Send + 'static,
    {
        let server = start(Box::pin(self.stopped()));
        self.tasks.spawn(server);
    }

    /// Waits until one of the servers ends by itself (a crash, a lost listener); its outcome.
    pub async fn any_ended(&mut self) -> std::io::Result<()> {
        match self.tasks.join_next().await {
            Some(Ok(outcome)) => outcome,
            Some(Err(err)) => Err(std::io::Error::other(err)),
            None => Ok(()),
        }
    }

    /// Stops every server and waits until each has finished its requests in flight.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        for broker in &self.brokers {
            broker.reset().await;
        }
    }
}
