//! Operations started for a WebSocket client. Queries and mutations run as over HTTP and
//! answer once. A subscription's primary fetch is sent to its subgraph as a subscription
//! ([`fetch_stream`](super::fetch_stream)); each event the subgraph sends is the root data
//! of one execution of the rest of the plan (the entity fetches), shaped like a query
//! response. The subscription keeps the pipeline (supergraph, plan) it started with.

use super::execute::Execution;
use super::fetch::FetchError;
use super::fetch_stream::{self, FromSubgraph};
use super::request::root_request;
use super::subgraph_errors::subgraph_failure;
use super::{Admitted, GraphqlRequest, GraphqlResponse, Pipeline, from_bytes_map};
use apollo_compiler::ast::OperationType;
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, header};
use federation::plan::PlanNode;
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::{Map, Value};
use std::sync::Arc;

/// An operation a WebSocket client asked for, started.
pub enum Started {
    /// It cannot run at all: the errors (a JSON array), for an `error` message.
    Refused(Bytes),
    /// A query or mutation: its one response.
    Single(BoxFuture<'static, Arc<GraphqlResponse>>),
    /// A subscription: its events. Nothing is sent to the subgraph until it is polled;
    /// dropping it ends the subgraph's subscription.
    Events(BoxStream<'static, Event>),
}

/// One message of a subscription for its client. The stream ending is `complete`.
#[derive(Debug)]
pub enum Event {
    /// An execution result (`{"data":…,"errors":[…]}`).
    Next(Bytes),
    /// The operation ended with these errors (a JSON array); nothing follows.
    Error(Bytes),
}

impl Pipeline {
    /// Starts `request` for a WebSocket client; `headers` are forwarded to the subgraphs
    /// (`authorization` also in the `connection_init` of subgraph subscriptions).
    pub fn start(
        self: &Arc<Self>,
        request: GraphqlRequest,
        headers: Vec<(HeaderName, HeaderValue)>,
    ) -> Started {
        let admitted = match self.admit(request) {
            Ok(admitted) => admitted,
            Err(refused) => return Started::Refused(json_bytes(&refused.into_errors())),
        };
        if admitted.kind != OperationType::Subscription {
            let this = self.clone();
            return Started::Single(
                async move { this.execute_admitted(admitted, headers).await }.boxed(),
            );
        }
        Started::Events(self.clone().events(admitted, headers))
    }

    fn events(
        self: Arc<Self>,
        admitted: Admitted,
        headers: Vec<(HeaderName, HeaderValue)>,
    ) -> BoxStream<'static, Event> {
        let Some(PlanNode::Subscription { primary, .. }) = &admitted.prepared.plan.root else {
            tracing::error!("a subscription was planned without a primary fetch");
            return stream::iter([Event::Error(internal_error())]).boxed();
        };
        let primary = primary.clone();
        let variables = admitted
            .variables
            .as_ref()
            .map(|v| from_bytes_map(v.clone().into_inner()))
            .unwrap_or_default();
        let subscription = Arc::new(Subscription {
            pipeline: self,
            admitted,
            variables,
            headers,
        });
        enum Step {
            Start,
            Listening(tokio::sync::mpsc::Receiver<FromSubgraph>),
            Done,
        }
        stream::unfold(Step::Start, move |step| {
            let subscription = subscription.clone();
            let primary = primary.clone();
            async move {
                let subgraph = &subscription.pipeline.subgraphs[primary.graph];
                let mut events = match step {
                    Step::Done => return None,
                    Step::Listening(events) => events,
                    Step::Start => {
                        let body = root_request(&primary, &subscription.variables);
                        let authorization = subscription
                            .headers
                            .iter()
                            .find(|(name, _)| *name == header::AUTHORIZATION)
                            .map(|(_, value)| value);
                        match fetch_stream::subscribe(
                            subgraph,
                            subscription.pipeline.client.tls(),
                            authorization,
                            &body,
                        )
                        .await
                        {
                            Ok(events) => events,
                            Err(err) => {
                                return Some((
                                    Event::Next(failure(&subgraph.name, &err)),
                                    Step::Done,
                                ));
                            }
                        }
                    }
                };
                match events.recv().await? {
                    FromSubgraph::Next(payload) => {
                        let response = subscription.event(&subgraph.name, payload).await;
                        Some((Event::Next(response), Step::Listening(events)))
                    }
                    FromSubgraph::Error(errors) => {
                        let errors: Vec<Value> = errors
                            .into_iter()
                            .map(|error| with_service_name(error, &subgraph.name))
                            .collect();
                        Some((Event::Error(json_bytes(&Value::Array(errors))), Step::Done))
                    }
                    FromSubgraph::Failed(err) => {
                        Some((Event::Next(failure(&subgraph.name, &err)), Step::Done))
                    }
                }
            }
        })
        .boxed()
    }
}

/// What every event of one subscription shares.
struct Subscription {
    pipeline: Arc<Pipeline>,
    admitted: Admitted,
    variables: Map<String, Value>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Subscription {
    /// One event: `payload` as the primary's answer, the rest of the plan run, the response
    /// shaped.
    async fn event(&self, subgraph: &str, payload: Bytes) -> Bytes {
        let pipeline = &self.pipeline;
        let prepared = &self.admitted.prepared;
        let execution = Execution::new(
            &pipeline.supergraph,
            &pipeline.subgraphs,
            &pipeline.client,
            &self.variables,
            &self.headers,
            None,
        );
        execution.accept_event(subgraph, payload);
        let executed = execution.run(&prepared.plan).await;
        pipeline.respond(prepared, &self.variables, executed, None)
    }
}

/// An event for a subscription whose subgraph failed: no data, a `SUBGRAPH_ERROR`.
fn failure(subgraph: &str, err: &FetchError) -> Bytes {
    let error = subgraph_failure(subgraph, &err.to_string(), Vec::new(), err);
    let mut out = b"{\"data\":null,\"errors\":[".to_vec();
    error.write_json(&mut out);
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

fn with_service_name(mut error: Value, subgraph: &str) -> Value {
    if let Value::Object(error) = &mut error {
        let extensions = error
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(extensions) = extensions {
            extensions.insert("serviceName".to_owned(), Value::String(subgraph.to_owned()));
        }
    }
    error
}

fn internal_error() -> Bytes {
    json_bytes(&serde_json::json!([{
        "message": "internal server error",
        "extensions": { "code": "INTERNAL_SERVER_ERROR" },
    }]))
}

fn json_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
