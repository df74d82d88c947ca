//! The request pipeline, one stage per module: [`prepare`] (parse, validate, plan, cached),
//! [`execute`] (run the plan against the subgraphs), [`fetch`] (subgraph HTTP), then the
//! response is shaped by `federation::response`. Introspection is answered here, from the
//! API schema.

pub mod execute;
pub mod fetch;
pub mod prepare;

use crate::config::Config;
use apollo_compiler::response::GraphQLError;
use execute::Execution;
use federation::Supergraph;
use federation::response::{ResponseError, shape};
use fetch::{Subgraph, SubgraphClient};
use prepare::{PlanCache, PrepareError};
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;

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

/// What the HTTP layer sends back.
pub struct GraphqlResponse {
    /// 200, or 400 for requests that could not be executed at all.
    pub status: u16,
    pub body: Value,
}

/// Everything needed to serve one supergraph.
pub struct Pipeline {
    pub supergraph: Arc<Supergraph>,
    subgraphs: Vec<Subgraph>,
    client: SubgraphClient,
    cache: PlanCache,
    max_depth: usize,
}

impl Pipeline {
    pub fn new(supergraph: Supergraph, config: &Config) -> Self {
        let subgraphs = supergraph
            .graphs
            .iter()
            .map(|graph| Subgraph {
                name: graph.name.clone(),
                url: config.subgraph_url(&graph.name, &graph.url),
                timeout: config.subgraph_timeout(&graph.name),
            })
            .collect();
        Self {
            supergraph: Arc::new(supergraph),
            subgraphs,
            client: SubgraphClient::new(),
            cache: PlanCache::new(config.plan_cache.capacity),
            max_depth: config.limits.max_depth,
        }
    }

    pub fn cached_plans(&self) -> usize {
        self.cache.len()
    }

    /// Runs one GraphQL request; `headers` are forwarded to the subgraphs.
    pub async fn execute(
        &self,
        request: GraphqlRequest,
        headers: &[(HeaderName, HeaderValue)],
    ) -> GraphqlResponse {
        let Some(query) = request.query.filter(|q| !q.trim().is_empty()) else {
            return request_error(
                "GRAPHQL_PARSE_FAILED",
                vec![plain("the request has no query")],
            );
        };
        let prepared = match self.cache.get_or_prepare(
            &self.supergraph,
            &query,
            request.operation_name.as_deref(),
            self.max_depth,
        ) {
            Ok(prepared) => prepared,
            Err(PrepareError::Parse(errors)) => {
                return request_error("GRAPHQL_PARSE_FAILED", errors);
            }
            Err(PrepareError::Validation(errors)) => {
                return request_error("GRAPHQL_VALIDATION_FAILED", errors);
            }
            Err(PrepareError::Plan(err)) => {
                tracing::error!(cause = %err, "cannot plan an operation");
                return GraphqlResponse {
                    status: 500,
                    body: errors_body("INTERNAL_SERVER_ERROR", vec![plain(&err.to_string())]),
                };
            }
        };
        let operation = match prepared
            .document
            .operations
            .get(request.operation_name.as_deref())
        {
            Ok(operation) => operation,
            Err(_) => {
                return request_error(
                    "GRAPHQL_VALIDATION_FAILED",
                    vec![plain("no such operation")],
                );
            }
        };
        if operation.operation_type == apollo_compiler::ast::OperationType::Subscription {
            return request_error(
                "GRAPHQL_VALIDATION_FAILED",
                vec![plain(
                    "subscriptions are served over WebSocket, not HTTP POST",
                )],
            );
        }
        let raw_variables = to_bytes_map(request.variables.unwrap_or_default());
        let variables = match apollo_compiler::request::coerce_variable_values(
            &self.supergraph.api,
            operation,
            &raw_variables,
        ) {
            Ok(variables) => variables,
            Err(err) => {
                return request_error(
                    "BAD_USER_INPUT",
                    vec![err.to_graphql_error(&prepared.document.sources)],
                );
            }
        };
        let variables_json = from_bytes_map(variables.clone().into_inner());

        let mut initial = Map::new();
        let mut errors: Vec<ResponseError> = Vec::new();
        if prepared.introspection {
            match apollo_compiler::introspection::partial_execute(
                &self.supergraph.api,
                &self.supergraph.api_implementers,
                &prepared.document,
                operation,
                &variables,
            ) {
                Ok(response) => {
                    if let Some(data) = response.data {
                        initial = from_bytes_map(data);
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
        errors.extend(executed.errors);
        let data = shape(
            &self.supergraph,
            &prepared.operation.selection_set,
            &variables_json,
            &executed.data,
            &mut errors,
        );
        let mut body = Map::new();
        body.insert("data".to_owned(), data);
        if !errors.is_empty() {
            body.insert(
                "errors".to_owned(),
                Value::Array(errors.iter().map(ResponseError::to_json).collect()),
            );
        }
        GraphqlResponse {
            status: 200,
            body: Value::Object(body),
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
    GraphqlResponse {
        status: 400,
        body: errors_body(code, errors),
    }
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
