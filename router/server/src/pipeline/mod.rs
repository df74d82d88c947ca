//! The request pipeline, one stage per module: [`prepare`] (parse, validate, plan, cached),
//! `cost` (demand control: the estimated cost against the limit), [`execute`] (run the plan
//! against the subgraphs; `request` writes the subgraph requests, `walk` finds the objects at
//! a plan path, `subgraph_errors` maps subgraph errors to the client's paths, [`contexts`]
//! groups `@fromContext` values), [`fetch`] (subgraph HTTP, [`tls`] for `https://`
//! subgraphs), then the response is shaped by `federation::response`. Introspection is
//! answered here, from the API schema. Subscriptions: [`subscribe`] (an operation started for
//! a WebSocket client, each event of a subscription completed by the rest of its plan) and
//! [`fetch_stream`] (subgraph subscriptions over WebSocket).

pub mod contexts;
mod cost;
pub mod execute;
pub mod fetch;
pub mod fetch_stream;
pub mod labels;
pub mod prepare;
mod request;
mod subgraph_errors;
pub mod subscribe;
pub mod tls;
mod walk;

use crate::config::{Config, DemandControlMode};
use apollo_compiler::ast::OperationType;
use apollo_compiler::response::{GraphQLError, JsonMap};
use apollo_compiler::validation::Valid;
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue};
use cost::CostControl;
use execute::Execution;
use federation::Supergraph;
use federation::response::shape;
use fetch::{Subgraph, SubgraphClient};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use prepare::{PlanCache, PrepareError, PrepareLimits, Prepared};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

/// A GraphQL-over-HTTP request body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphqlRequest {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    #[serde(default)]
    pub variables: Option<Map<String, Value>>,
    #[serde(default)]
    pub extensions: Option<Value>,
}

/// What the HTTP layer sends back: a status and a serialized GraphQL response.
#[derive(Debug)]
pub struct GraphqlResponse {
    /// 200, or 400 for requests that could not be executed at all.
    pub status: u16,
    pub body: Bytes,
}

impl GraphqlResponse {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        }
    }
}

type SharedResponse = Shared<BoxFuture<'static, Arc<GraphqlResponse>>>;

/// Everything needed to serve one supergraph.
pub struct Pipeline {
    pub supergraph: Arc<Supergraph>,
    subgraphs: Vec<Subgraph>,
    client: SubgraphClient,
    cache: PlanCache,
    labels: labels::LabelRule,
    limits: PrepareLimits,
    /// Demand control, when costs are computed.
    cost: Option<CostControl>,
    /// Queries executing now, by content, when identical ones share an execution.
    in_flight: Option<Mutex<HashMap<u64, SharedResponse>>>,
}

impl Pipeline {
    pub fn new(supergraph: Supergraph, config: &Config) -> Result<Self, tls::TlsError> {
        let labels = labels::LabelRule::new(&supergraph, &config.progressive_override.labels);
        let subgraphs = supergraph
            .graphs
            .iter()
            .map(|graph| {
                Subgraph::new(
                    graph.name.clone(),
                    config.subgraph_url(&graph.name, &graph.url),
                    config.subgraph_timeout(&graph.name),
                )
                .with_subscription_url(config.subgraph_subscription_url(&graph.name, &graph.url))
                .with_keep_alive(config.subscriptions.keep_alive())
            })
            .collect();
        let cost =
            (config.limits.max_cost.is_some() || config.demand_control.expose_cost).then(|| {
                CostControl {
                    max: config.limits.max_cost,
                    enforce: config.demand_control.mode == DemandControlMode::Enforce,
                    expose: config.demand_control.expose_cost,
                }
            });
        Ok(Self {
            supergraph: Arc::new(supergraph),
            subgraphs,
            client: SubgraphClient::new(
                config.deduplication.outbound,
                tls::client_tls(&config.tls)?,
            ),
            cache: PlanCache::new(config.plan_cache.capacity),
            labels,
            limits: PrepareLimits {
                max_depth: config.limits.max_depth,
                default_list_size: cost.is_some().then_some(config.limits.default_list_size),
            },
            cost,
            in_flight: config.deduplication.inbound.then(Default::default),
        })
    }

    /// Distinct normalized operations whose plan is cached.
    pub fn cached_plans(&self) -> usize {
        self.cache.len()
    }

    /// Operations planned since start (plan cache misses).
    pub fn plans_made(&self) -> usize {
        self.cache.planned()
    }

    /// Runs one GraphQL request; `headers` are forwarded to the subgraphs.
    pub async fn execute(
        self: &Arc<Self>,
        request: GraphqlRequest,
        headers: Vec<(HeaderName, HeaderValue)>,
    ) -> Arc<GraphqlResponse> {
        let admitted = match self.admit(request) {
            Ok(admitted) => admitted,
            Err(refused) => return Arc::new(refused.into_response()),
        };
        if admitted.kind == OperationType::Subscription {
            return Arc::new(request_error(
                "GRAPHQL_VALIDATION_FAILED",
                vec![plain(
                    "subscriptions are served over WebSocket, not HTTP POST",
                )],
            ));
        }
        self.execute_admitted(admitted, headers).await
    }

    /// Parses, validates and plans a request (cached) and coerces its variables.
    fn admit(&self, request: GraphqlRequest) -> Result<Admitted, Refused> {
        let Some(query) = request.query.filter(|q| !q.trim().is_empty()) else {
            return Err(Refused::new(
                400,
                "GRAPHQL_PARSE_FAILED",
                vec![plain("the request has no query")],
            ));
        };
        let operation_name = request.operation_name;
        let prepared = match self.cache.get_or_prepare(
            &self.supergraph,
            &query,
            operation_name.as_deref(),
            self.labels.draw(),
            self.limits,
        ) {
            Ok(prepared) => prepared,
            Err(PrepareError::Parse(errors)) => {
                return Err(Refused::new(400, "GRAPHQL_PARSE_FAILED", errors));
            }
            Err(PrepareError::Validation(errors)) => {
                return Err(Refused::new(400, "GRAPHQL_VALIDATION_FAILED", errors));
            }
            Err(PrepareError::Plan(err)) => {
                tracing::error!(cause = %err, "cannot plan an operation");
                return Err(Refused::new(
                    500,
                    "INTERNAL_SERVER_ERROR",
                    vec![plain(&err.to_string())],
                ));
            }
        };
        let Ok(operation) = prepared.document.operations.get(operation_name.as_deref()) else {
            return Err(Refused::new(
                400,
                "GRAPHQL_VALIDATION_FAILED",
                vec![plain("no such operation")],
            ));
        };
        let kind = operation.operation_type;
        let raw_variables = request.variables.unwrap_or_default();
        let variables = if operation.variables.is_empty() {
            None
        } else {
            match apollo_compiler::request::coerce_variable_values(
                &self.supergraph.api,
                operation,
                &to_bytes_map(raw_variables.clone()),
            ) {
                Ok(variables) => Some(variables),
                Err(err) => {
                    return Err(Refused::new(
                        400,
                        "BAD_USER_INPUT",
                        vec![err.to_graphql_error(&prepared.document.sources)],
                    ));
                }
            }
        };
        let cost = self.estimate_cost(&prepared, variables.as_deref())?;
        Ok(Admitted {
            prepared,
            query,
            operation_name,
            raw_variables,
            variables,
            kind,
            cost,
        })
    }

    /// Runs an admitted query or mutation; identical queries in flight share one execution.
    async fn execute_admitted(
        self: &Arc<Self>,
        admitted: Admitted,
        headers: Vec<(HeaderName, HeaderValue)>,
    ) -> Arc<GraphqlResponse> {
        let Admitted {
            prepared,
            query,
            operation_name,
            raw_variables,
            variables,
            kind,
            cost,
        } = admitted;
        let is_query = kind == OperationType::Query;
        // Identical queries (text, variables, forwarded headers) in flight share one execution.
        let key = {
            let mut hasher = DefaultHasher::new();
            query.hash(&mut hasher);
            operation_name.hash(&mut hasher);
            Value::Object(raw_variables).to_string().hash(&mut hasher);
            for (name, value) in &headers {
                name.as_str().hash(&mut hasher);
                value.as_bytes().hash(&mut hasher);
            }
            hasher.finish()
        };

        let this = self.clone();
        let run = async move {
            Arc::new(
                this.run(
                    &prepared,
                    operation_name.as_deref(),
                    variables,
                    &headers,
                    cost,
                )
                .await,
            )
        };
        let Some(in_flight) = self.in_flight.as_ref().filter(|_| is_query) else {
            return run.await;
        };
        let shared = {
            let mut map = in_flight.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key)
                .or_insert_with(|| {
                    let this = self.clone();
                    async move {
                        let response = run.await;
                        if let Some(in_flight) = &this.in_flight {
                            in_flight
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .remove(&key);
                        }
                        response
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        shared.await
    }

    async fn run(
        &self,
        prepared: &Prepared,
        operation_name: Option<&str>,
        variables: Option<Valid<JsonMap>>,
        headers: &[(HeaderName, HeaderValue)],
        cost: Option<u64>,
    ) -> GraphqlResponse {
        let variables_json = variables
            .as_ref()
            .map(|v| from_bytes_map(v.clone().into_inner()))
            .unwrap_or_default();
        let mut initial = None;
        if prepared.introspection
            && let Ok(operation) = prepared.document.operations.get(operation_name)
        {
            let empty = Valid::assume_valid(JsonMap::new());
            match apollo_compiler::introspection::partial_execute(
                &self.supergraph.api,
                &self.supergraph.api_implementers,
                &prepared.document,
                operation,
                variables.as_ref().unwrap_or(&empty),
            ) {
                Ok(response) => {
                    if let Some(data) = response.data {
                        initial = serde_json::to_vec(&data).ok().map(Bytes::from);
                    }
                }
                Err(err) => {
                    return request_error(
                        "GRAPHQL_VALIDATION_FAILED",
                        vec![err.to_graphql_error(&prepared.document.sources)],
                    );
                }
            }
        }

        let executed = Execution::new(
            &self.supergraph,
            &self.subgraphs,
            &self.client,
            &variables_json,
            headers,
            initial,
        )
        .run(&prepared.plan)
        .await;
        GraphqlResponse {
            status: 200,
            body: self.respond(prepared, &variables_json, executed, cost),
        }
    }

    /// The client's response to an execution: `{"data":…,"errors":[…]}`, shaped along the
    /// operation.
    fn respond(
        &self,
        prepared: &Prepared,
        variables_json: &Map<String, Value>,
        executed: execute::Executed,
        cost: Option<u64>,
    ) -> Bytes {
        let mut errors = executed.errors;
        let mut out = Vec::with_capacity(16 * 1024);
        out.extend_from_slice(b"{\"data\":");
        shape(
            &self.supergraph,
            &prepared.operation.selection_set,
            variables_json,
            &executed.sources,
            &executed.data,
            &mut errors,
            &mut out,
        );
        if !errors.is_empty() {
            out.extend_from_slice(b",\"errors\":[");
            for (index, error) in errors.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                error.write_json(&mut out);
            }
            out.push(b']');
        }
        if let Some(control) = self.cost.as_ref().filter(|control| control.expose)
            && let Some(cost) = cost
        {
            control.write_extensions(cost, &mut out);
        }
        out.push(b'}');
        Bytes::from(out)
    }
}

/// A request that passed parsing, validation and planning, its variables coerced.
struct Admitted {
    prepared: Arc<Prepared>,
    query: String,
    operation_name: Option<String>,
    raw_variables: Map<String, Value>,
    variables: Option<Valid<JsonMap>>,
    kind: OperationType,
    /// The estimated cost, when demand control is on.
    cost: Option<u64>,
}

/// A request that cannot be executed at all: a status and `{"errors": […]}`.
struct Refused {
    status: u16,
    body: Value,
}

impl Refused {
    fn new(status: u16, code: &str, errors: Vec<GraphQLError>) -> Self {
        Self {
            status,
            body: errors_body(code, errors),
        }
    }

    fn into_response(self) -> GraphqlResponse {
        GraphqlResponse::json(self.status, &self.body)
    }

    /// The errors alone, as a JSON array.
    fn into_errors(self) -> Value {
        match self.body {
            Value::Object(mut body) => body.remove("errors").unwrap_or(Value::Array(Vec::new())),
            _ => Value::Array(Vec::new()),
        }
    }
}

fn plain(message: &str) -> GraphQLError {
    GraphQLError {
        message: message.to_owned(),
        locations: Vec::new(),
        path: Vec::new(),
        extensions: Default::default(),
    }
}

/// A request error: nothing was executed, there is no `data`.
fn request_error(code: &str, errors: Vec<GraphQLError>) -> GraphqlResponse {
    GraphqlResponse::json(400, &errors_body(code, errors))
}

fn errors_body(code: &str, errors: Vec<GraphQLError>) -> Value {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|error| {
            let mut value = serde_json::to_value(&error).unwrap_or(Value::Null);
            if let Value::Object(object) = &mut value {
                let extensions = object
                    .entry("extensions")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(extensions) = extensions {
                    extensions.insert("code".to_owned(), Value::String(code.to_owned()));
                }
                if object
                    .get("locations")
                    .is_some_and(|l| l.as_array().is_some_and(Vec::is_empty))
                {
                    object.remove("locations");
                }
                if object
                    .get("path")
                    .is_some_and(|p| p.as_array().is_some_and(Vec::is_empty))
                {
                    object.remove("path");
                }
            }
            value
        })
        .collect();
    let mut body = Map::new();
    body.insert("errors".to_owned(), Value::Array(errors));
    Value::Object(body)
}

fn to_bytes_map(map: Map<String, Value>) -> apollo_compiler::response::JsonMap {
    serde_json::from_value(Value::Object(map)).unwrap_or_default()
}

fn from_bytes_map(map: apollo_compiler::response::JsonMap) -> Map<String, Value> {
    serde_json::to_value(map)
        .ok()
        .and_then(|value| match value {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default()
}
