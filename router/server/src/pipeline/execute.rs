//! Runs a query plan: fetches in sequence or in parallel as the plan says, each entity fetch
//! sending every representation of its step in one `_entities` request (duplicates sent
//! once; one aliased `_entities` per group of `@fromContext` values, still one request),
//! answers merged into the response at their paths, subgraph errors passed on with paths
//! into the client's response and the subgraph's name.

use super::contexts::Batch;
use super::fetch::{FetchError, Subgraph, SubgraphClient};
use super::request::{
    KnownHash, hash_bytes, read_answer, write_json_str, write_members, write_request_start,
};
use super::subgraph_errors::{dedup_paths, entity_error_target, from_subgraph, subgraph_failure};
use super::walk::{entity_paths, visit, visit_mut};
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue};
use federation::Supergraph;
use federation::json::{self, Object, SourceId, Sources, Value};
use federation::operation::Selection;
use federation::plan::{FetchStep, PathElement, PlanNode, QueryPlan};
use federation::response::{PathSegment, ResponseError};
use federation::supergraph::GraphId;
use futures::future::{BoxFuture, join_all};
use serde_json::Map;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// What one plan execution produced: the merged data (its texts in `sources`) and the errors
/// met.
pub struct Executed {
    pub sources: Sources,
    pub data: Object,
    pub errors: Vec<ResponseError>,
}

pub struct Execution<'a> {
    pub supergraph: &'a Supergraph,
    pub subgraphs: &'a [Subgraph],
    pub client: &'a SubgraphClient,
    pub variables: &'a Map<String, serde_json::Value>,
    pub headers: &'a [(HeaderName, HeaderValue)],
    /// The source id the next subgraph answer gets.
    next_source: AtomicU32,
    state: Mutex<State>,
}

struct State {
    sources: Sources,
    data: Object,
    errors: Vec<ResponseError>,
}

impl<'a> Execution<'a> {
    pub fn new(
        supergraph: &'a Supergraph,
        subgraphs: &'a [Subgraph],
        client: &'a SubgraphClient,
        variables: &'a Map<String, serde_json::Value>,
        headers: &'a [(HeaderName, HeaderValue)],
        initial: Option<Bytes>,
    ) -> Self {
        // The data answered before any fetch (introspection) is source 0.
        let mut sources = Sources::default();
        let mut data = Object::new();
        if let Some(initial) = initial {
            let id = SourceId::new(0);
            if let Ok(Value::Object(object)) = json::parse(id, &initial) {
                data = object;
                sources.put(id, initial);
            }
        }
        Self {
            supergraph,
            subgraphs,
            client,
            variables,
            headers,
            next_source: AtomicU32::new(1),
            state: Mutex::new(State {
                sources,
                data,
                errors: Vec::new(),
            }),
        }
    }

    /// Takes one event of a subscription (`text`, the payload of a `next` message from
    /// `subgraph`) as the answer of the plan's primary fetch: its data merged, its errors
    /// passed on. False when it is not a GraphQL response.
    pub fn accept_event(&self, subgraph: &str, text: Bytes) -> bool {
        let id = SourceId::new(self.next_source.fetch_add(1, Ordering::Relaxed));
        let mut guard = self.lock();
        let state = &mut *guard;
        match json::parse_response(id, &text) {
            Ok(response) if response.is_graphql => {
                state.sources.put(id, text);
                for error in response.errors {
                    state
                        .errors
                        .push(from_subgraph(subgraph, error, |rest| rest.to_vec()));
                }
                if let Some(data) = response.data {
                    state.data.merge(&state.sources, data);
                }
                true
            }
            _ => {
                let err = FetchError::Invalid(subgraph.to_owned());
                state.errors.push(subgraph_failure(
                    subgraph,
                    &err.to_string(),
                    Vec::new(),
                    &err,
                ));
                false
            }
        }
    }

    pub async fn run(self, plan: &QueryPlan) -> Executed {
        if let Some(root) = &plan.root {
            self.node(root).await;
        }
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Executed {
            sources: state.sources,
            data: state.data,
            errors: state.errors,
        }
    }

    fn node<'b>(&'b self, node: &'b PlanNode) -> BoxFuture<'b, ()> {
        Box::pin(async move {
            match node {
                PlanNode::Sequence(nodes) => {
                    for node in nodes {
                        self.node(node).await;
                    }
                }
                PlanNode::Parallel(nodes) => {
                    join_all(nodes.iter().map(|node| self.node(node))).await;
                }
                PlanNode::Fetch(fetch) => self.fetch(fetch, &[]).await,
                PlanNode::Flatten { path, node } => match node.as_ref() {
                    PlanNode::Fetch(fetch) => self.fetch(fetch, path).await,
                    other => self.node(other).await,
                },
                // One event of a subscription: the primary's answer came as the event
                // ([`Execution::accept_event`]); what is left is the rest.
                PlanNode::Subscription { rest, .. } => {
                    if let Some(rest) = rest {
                        self.node(rest).await;
                    }
                }
            }
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn fetch(&self, fetch: &FetchStep, path: &[PathElement]) {
        if fetch.contexts.is_empty() {
            return self.fetch_group(fetch, path, self.variables, None).await;
        }
        // `@fromContext` arguments: one request, whatever the number of distinct values.
        let mut groups = {
            let state = self.lock();
            super::contexts::groups(&state.sources, &state.data, path, &fetch.contexts)
        };
        match (&fetch.batch, groups.values.len()) {
            (Some(template), 2..) => {
                let batch = Batch { template, groups };
                self.fetch_group(fetch, path, self.variables, Some(&batch))
                    .await;
            }
            // One group (a root fetch never has context variables, so has no batch).
            _ => {
                let values = groups.values.pop().unwrap_or_default();
                let variables =
                    super::contexts::one_group_variables(self.variables, &fetch.contexts, values);
                self.fetch_group(fetch, path, &variables, None).await;
            }
        }
    }

    /// Runs `fetch` with `variables`; for an entity fetch, over the objects at `path`, in
    /// one `_entities` or, with `batch`, in one per group of context values.
    async fn fetch_group(
        &self,
        fetch: &FetchStep,
        path: &[PathElement],
        variables: &Map<String, serde_json::Value>,
        batch: Option<&Batch<'_>>,
    ) {
        // The request body, written directly: {"query":…,"variables":{…}}.
        let mut body = Vec::with_capacity(fetch.operation.len() + 256);
        // For entity fetches: for each object at `path` (in walk order), the index of its
        // representation, or `None` when it is not one of the fetch's entities.
        let mut slots: Vec<Option<usize>> = Vec::new();
        // With `batch`: each group's range of representation indexes.
        let mut ranges: Vec<Range<usize>> = Vec::new();
        if let (Some(batch), Some(requires)) = (batch, &fetch.requires) {
            batch.write_request_start(&mut body, fetch, variables);
            let state = self.lock();
            let sources = &state.sources;
            (slots, ranges) = batch.write_representations(
                sources,
                &state.data,
                path,
                &mut body,
                |object, out| {
                    self.representation(sources, fetch.graph, &requires.items, object, out)
                },
            );
            if ranges.last().is_none_or(|range| range.end == 0) {
                return;
            }
        } else if let Some(requires) = &fetch.requires {
            let first = write_request_start(&mut body, fetch, variables);
            if !first {
                body.push(b',');
            }
            body.extend_from_slice(b"\"representations\":[");
            // Each representation is written straight into the body and taken back out
            // when it repeats an earlier one.
            let mut written: Vec<Range<usize>> = Vec::new();
            let mut by_hash: HashMap<u64, usize, BuildHasherDefault<KnownHash>> =
                HashMap::default();
            {
                let state = self.lock();
                let sources = &state.sources;
                visit(sources, &state.data, path, &mut |object| {
                    let mark = body.len();
                    if !written.is_empty() {
                        body.push(b',');
                    }
                    let start = body.len();
                    if !self.representation(
                        sources,
                        fetch.graph,
                        &requires.items,
                        object,
                        &mut body,
                    ) {
                        body.truncate(mark);
                        slots.push(None);
                        return;
                    }
                    let hash = hash_bytes(&body[start..]);
                    let index = match by_hash.get(&hash) {
                        Some(&index) if body[written[index].clone()] == body[start..] => {
                            body.truncate(mark);
                            index
                        }
                        _ => {
                            let index = written.len();
                            by_hash.entry(hash).or_insert(index);
                            written.push(start..body.len());
                            index
                        }
                    };
                    slots.push(Some(index));
                });
            }
            if written.is_empty() {
                return;
            }
            body.push(b']');
        } else {
            write_request_start(&mut body, fetch, variables);
        }
        body.extend_from_slice(b"}}");

        let subgraph = &self.subgraphs[fetch.graph];
        let shareable = fetch.kind == apollo_compiler::ast::OperationType::Query;
        let id = SourceId::new(self.next_source.fetch_add(1, Ordering::Relaxed));
        let result = self
            .client
            .send(subgraph, body, self.headers, shareable)
            .await
            .and_then(|answer| read_answer(&subgraph.name, id, answer));

        let mut guard = self.lock();
        let state = &mut *guard;
        let response = match result {
            Ok((response, text)) => {
                state.sources.put(id, text);
                response
            }
            Err(err) => {
                let paths: Vec<Vec<PathSegment>> = if fetch.requires.is_some() {
                    entity_paths(&state.sources, &state.data, path, &slots, |_| true)
                } else {
                    vec![Vec::new()]
                };
                let message = err.to_string();
                for path in dedup_paths(paths) {
                    state
                        .errors
                        .push(subgraph_failure(&subgraph.name, &message, path, &err));
                }
                return;
            }
        };

        if fetch.requires.is_none() {
            for error in response.errors {
                state
                    .errors
                    .push(from_subgraph(&subgraph.name, error, |rest| rest.to_vec()));
            }
            if let Some(data) = response.data {
                state.data.merge(&state.sources, data);
            }
            return;
        }

        let sources = &state.sources;
        let mut entities = match batch {
            Some(batch) => batch.entities(sources, response.data, &ranges),
            None => match response
                .data
                .and_then(|mut data| data.remove(sources, "_entities"))
            {
                Some(Value::Array(entities)) => entities,
                _ => Vec::new(),
            },
        };
        let groups = batch.map(|batch| (batch.template, ranges.as_slice()));
        for error in response.errors {
            let Some((indexes, rest)) = entity_error_target(&error, &entities, groups) else {
                state
                    .errors
                    .push(from_subgraph(&subgraph.name, error, |_| Vec::new()));
                continue;
            };
            let paths = entity_paths(sources, &state.data, path, &slots, |index| {
                indexes.contains(&index)
            });
            if paths.is_empty() {
                state
                    .errors
                    .push(from_subgraph(&subgraph.name, error, |_| Vec::new()));
                continue;
            }
            for mut object_path in paths {
                object_path.extend(rest.iter().cloned());
                state
                    .errors
                    .push(from_subgraph(&subgraph.name, error.clone(), |_| {
                        object_path
                    }));
            }
        }
        // Each answer is moved into the last object that asked for it, copied before that.
        let mut uses = vec![0usize; entities.len()];
        for index in slots.iter().flatten() {
            if let Some(count) = uses.get_mut(*index) {
                *count += 1;
            }
        }
        let strip_typename = fetch
            .entity_types()
            .any(|ty| self.supergraph.is_interface_object(ty, fetch.graph));
        let mut slot = 0;
        visit_mut(sources, &mut state.data, path, &mut |object| {
            let Some(Some(index)) = slots.get(slot).copied() else {
                slot += 1;
                return;
            };
            slot += 1;
            let Some(entity) = entities.get_mut(index) else {
                return;
            };
            uses[index] -= 1;
            let entity = if uses[index] == 0 {
                std::mem::take(entity)
            } else {
                entity.clone()
            };
            if let Value::Object(mut entity) = entity {
                if strip_typename {
                    // An interface object's `__typename` is the interface: keep the real one.
                    entity.remove(sources, "__typename");
                }
                object.merge(sources, entity);
            }
        });
    }

    /// Writes the representation of `object` for an entity fetch to `out`; false when the
    /// object is not one of the fetch's types or lacks a key field.
    fn representation(
        &self,
        sources: &Sources,
        graph: GraphId,
        requires: &[Selection],
        object: &Object,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(typename) = object
            .get(sources, "__typename")
            .and_then(|value| sources.str(value))
        else {
            return false;
        };
        let typename = typename.as_ref();
        let fragment = requires.iter().find_map(|item| match item {
            Selection::Fragment(fragment)
                if fragment
                    .type_condition
                    .as_ref()
                    .is_some_and(|condition| self.supergraph.type_matches(typename, condition)) =>
            {
                Some(fragment)
            }
            _ => None,
        });
        let Some(fragment) = fragment else {
            return false;
        };
        // A subgraph that defines the type as an `@interfaceObject` knows it by the
        // interface's name, not the object's real type.
        let typename = fragment
            .type_condition
            .as_ref()
            .filter(|condition| self.supergraph.is_interface_object(condition, graph))
            .map(|condition| condition.as_str());
        out.push(b'{');
        let mut written = Vec::with_capacity(fragment.selection_set.items.len());
        if let Some(typename) = typename {
            write_json_str(out, "__typename");
            out.push(b':');
            write_json_str(out, typename);
            written.push("__typename");
        }
        let complete = write_members(
            sources,
            &fragment.selection_set.items,
            object,
            out,
            &mut written,
        );
        out.push(b'}');
        complete
    }
}
