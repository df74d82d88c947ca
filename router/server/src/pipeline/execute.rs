//! Runs a query plan: fetches in sequence or in parallel as the plan says, each entity fetch
//! sending every representation of its step in one `_entities` request (duplicates sent
//! once), answers merged into the response at their paths, subgraph errors passed on with
//! paths into the client's response and the subgraph's name.

use super::fetch::{FetchError, Subgraph, SubgraphClient};
use federation::Supergraph;
use federation::operation::Selection;
use federation::plan::{FetchStep, PathElement, PlanNode, QueryPlan};
use federation::response::{PathSegment, ResponseError};
use futures::future::{BoxFuture, join_all};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// What one plan execution produced: the merged data and the errors met.
pub struct Executed {
    pub data: Map<String, Value>,
    pub errors: Vec<ResponseError>,
}

pub struct Execution<'a> {
    pub supergraph: &'a Supergraph,
    pub subgraphs: &'a [Subgraph],
    pub client: &'a SubgraphClient,
    pub variables: &'a Map<String, Value>,
    pub headers: &'a [(HeaderName, HeaderValue)],
    state: Mutex<State>,
}

struct State {
    data: Map<String, Value>,
    errors: Vec<ResponseError>,
}

impl<'a> Execution<'a> {
    pub fn new(
        supergraph: &'a Supergraph,
        subgraphs: &'a [Subgraph],
        client: &'a SubgraphClient,
        variables: &'a Map<String, Value>,
        headers: &'a [(HeaderName, HeaderValue)],
        initial: Map<String, Value>,
    ) -> Self {
        Self {
            supergraph,
            subgraphs,
            client,
            variables,
            headers,
            state: Mutex::new(State {
                data: initial,
                errors: Vec::new(),
            }),
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
            }
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn fetch(&self, fetch: &FetchStep, path: &[PathElement]) {
        let mut variables = Map::new();
        for name in &fetch.variables {
            if let Some(value) = self.variables.get(name.as_str()) {
                variables.insert(name.to_string(), value.clone());
            }
        }
        // For entity fetches: where each representation's answer goes.
        let mut targets: Vec<(Vec<PathSegment>, usize)> = Vec::new();
        if let Some(requires) = &fetch.requires {
            let mut representations = Vec::new();
            let mut seen: HashMap<String, usize> = HashMap::new();
            {
                let state = self.lock();
                let mut objects = Vec::new();
                collect_objects(&state.data, path, &mut Vec::new(), &mut objects);
                for (object_path, object) in objects {
                    let Some(representation) = self.representation(&requires.items, object) else {
                        continue;
                    };
                    let text = Value::Object(representation.clone()).to_string();
                    let index = *seen.entry(text).or_insert_with(|| {
                        representations.push(Value::Object(representation));
                        representations.len() - 1
                    });
                    targets.push((object_path, index));
                }
            }
            if representations.is_empty() {
                return;
            }
            variables.insert("representations".to_owned(), Value::Array(representations));
        }

        let subgraph = &self.subgraphs[fetch.graph];
        let mut body = Map::new();
        body.insert("query".to_owned(), Value::String(fetch.operation.clone()));
        body.insert("variables".to_owned(), Value::Object(variables));
        let body = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
        let shareable = fetch.kind == apollo_compiler::ast::OperationType::Query;
        let result = self
            .client
            .send(subgraph, body, self.headers, shareable)
            .await;

        let mut state = self.lock();
        let response = match result {
            Ok(response) => response,
            Err(err) => {
                let paths: Vec<Vec<PathSegment>> = if fetch.requires.is_some() {
                    targets.iter().map(|(path, _)| path.clone()).collect()
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
                merge_object(&mut state.data, data);
            }
            return;
        }

        let mut entities = match response.data.and_then(|mut data| data.remove("_entities")) {
            Some(Value::Array(entities)) => entities,
            _ => Vec::new(),
        };
        for error in response.errors {
            let routed = route_entity_error(&error, &targets, &entities);
            match routed {
                Some(paths) if !paths.is_empty() => {
                    for path in paths {
                        state
                            .errors
                            .push(from_subgraph(&subgraph.name, error.clone(), |_| {
                                path.clone()
                            }));
                    }
                }
                _ => state
                    .errors
                    .push(from_subgraph(&subgraph.name, error, |_| Vec::new())),
            }
        }
        // Each answer is moved into the last object that asked for it, copied before that.
        let mut uses = vec![0usize; entities.len()];
        for (_, index) in &targets {
            if let Some(count) = uses.get_mut(*index) {
                *count += 1;
            }
        }
        for (object_path, index) in &targets {
            let Some(slot) = entities.get_mut(*index) else {
                continue;
            };
            uses[*index] -= 1;
            let entity = if uses[*index] == 0 {
                std::mem::take(slot)
            } else {
                slot.clone()
            };
            if let (Value::Object(entity), Some(target)) =
                (entity, object_at_mut(&mut state.data, object_path))
            {
                merge_object(target, entity);
            }
        }
    }

    /// The representation of `object` for an entity fetch, or `None` when the object is not
    /// one of the fetch's types or lacks a key field.
    fn representation(
        &self,
        requires: &[Selection],
        object: &Map<String, Value>,
    ) -> Option<Map<String, Value>> {
        let typename = object.get("__typename")?.as_str()?;
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
        })?;
        select(&fragment.selection_set.items, object)
    }
}

/// The fields of `items` taken from `object`; `None` when one is missing.
fn select(items: &[Selection], object: &Map<String, Value>) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for item in items {
        match item {
            Selection::Field(field) => {
                let key = field.response_key().as_str();
                let value = object.get(key)?;
                let value = match (&field.selection_set, value) {
                    (Some(selection_set), Value::Object(inner)) => {
                        Value::Object(select(&selection_set.items, inner)?)
                    }
                    (Some(selection_set), Value::Array(items)) => Value::Array(
                        items
                            .iter()
                            .map(|item| match item {
                                Value::Object(inner) => {
                                    select(&selection_set.items, inner).map(Value::Object)
                                }
                                other => Some(other.clone()),
                            })
                            .collect::<Option<Vec<_>>>()?,
                    ),
                    (_, value) => value.clone(),
                };
                out.insert(key.to_owned(), value);
            }
            Selection::Fragment(fragment) => {
                let applies = fragment.type_condition.as_ref().is_none_or(|condition| {
                    object.get("__typename").and_then(Value::as_str) == Some(condition.as_str())
                });
                if applies {
                    out.extend(select(&fragment.selection_set.items, object)?);
                }
            }
        }
    }
    Some(out)
}

/// Every object at `path` in `data`, with its concrete path (list indexes filled in).
fn collect_objects<'d>(
    data: &'d Map<String, Value>,
    path: &[PathElement],
    current: &mut Vec<PathSegment>,
    out: &mut Vec<(Vec<PathSegment>, &'d Map<String, Value>)>,
) {
    match path.split_first() {
        None => out.push((current.clone(), data)),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get(key.as_str()) {
                current.push(PathSegment::Key(key.to_string()));
                collect_in_value(value, rest, current, out);
                current.pop();
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn collect_in_value<'d>(
    value: &'d Value,
    path: &[PathElement],
    current: &mut Vec<PathSegment>,
    out: &mut Vec<(Vec<PathSegment>, &'d Map<String, Value>)>,
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for (index, item) in items.iter().enumerate() {
                current.push(PathSegment::Index(index));
                collect_in_value(item, rest, current, out);
                current.pop();
            }
        }
        (Value::Object(object), _) => collect_objects(object, path, current, out),
        _ => {}
    }
}

fn object_at_mut<'d>(
    data: &'d mut Map<String, Value>,
    path: &[PathSegment],
) -> Option<&'d mut Map<String, Value>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(data);
    };
    let PathSegment::Key(key) = first else {
        return None;
    };
    let mut value = data.get_mut(key.as_str())?;
    for segment in rest {
        value = match (segment, value) {
            (PathSegment::Key(key), Value::Object(map)) => map.get_mut(key.as_str())?,
            (PathSegment::Index(index), Value::Array(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Deep-merges `source` into `target`: objects field by field, lists item by item.
fn merge_object(target: &mut Map<String, Value>, source: Map<String, Value>) {
    for (key, value) in source {
        match (target.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge_object(existing, incoming)
            }
            (Some(Value::Array(existing)), Value::Array(incoming))
                if existing.len() == incoming.len() =>
            {
                for (existing, incoming) in existing.iter_mut().zip(incoming) {
                    match (existing, incoming) {
                        (Value::Object(existing), Value::Object(incoming)) => {
                            merge_object(existing, incoming)
                        }
                        (existing, incoming) => *existing = incoming,
                    }
                }
            }
            (_, value) => {
                target.insert(key, value);
            }
        }
    }
}

/// The response paths an `_entities` error belongs to: `["_entities", i, rest..]` becomes
/// the path of each object representation `i` came from, followed by `rest`. Some subgraphs
/// leave the index out (`["_entities", "field"]`); the error then goes to the entities that
/// came back null.
fn route_entity_error(
    error: &Value,
    targets: &[(Vec<PathSegment>, usize)],
    entities: &[Value],
) -> Option<Vec<Vec<PathSegment>>> {
    let path = error.get("path")?.as_array()?;
    if path.first()?.as_str()? != "_entities" {
        return None;
    }
    let (indexes, rest): (Vec<usize>, &[Value]) = match path.get(1).and_then(Value::as_u64) {
        Some(index) => (vec![usize::try_from(index).ok()?], &path[2..]),
        None => (
            (0..entities.len().max(1))
                .filter(|&i| entities.get(i).is_none_or(Value::is_null))
                .collect(),
            &path[1..],
        ),
    };
    let rest: Vec<PathSegment> = rest.iter().filter_map(json_segment).collect();
    Some(
        targets
            .iter()
            .filter(|(_, i)| indexes.contains(i))
            .map(|(object_path, _)| {
                let mut full = object_path.clone();
                full.extend(rest.iter().cloned());
                full
            })
            .collect(),
    )
}

fn json_segment(value: &Value) -> Option<PathSegment> {
    match value {
        Value::String(key) => Some(PathSegment::Key(key.clone())),
        Value::Number(index) => index
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .map(PathSegment::Index),
        _ => None,
    }
}

/// A subgraph's error as the client sees it: its message and extensions, the subgraph's
/// name added, its path mapped by `path`.
fn from_subgraph(
    subgraph: &str,
    error: Value,
    path: impl FnOnce(&[PathSegment]) -> Vec<PathSegment>,
) -> ResponseError {
    let own_path: Vec<PathSegment> = error
        .get("path")
        .and_then(Value::as_array)
        .map(|segments| segments.iter().filter_map(json_segment).collect())
        .unwrap_or_default();
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("subgraph error")
        .to_owned();
    let mut extensions = match error.get("extensions") {
        Some(Value::Object(extensions)) => extensions.clone(),
        _ => Map::new(),
    };
    extensions.insert("serviceName".to_owned(), Value::String(subgraph.to_owned()));
    ResponseError {
        message,
        path: path(&own_path),
        extensions,
    }
}

fn subgraph_failure(
    subgraph: &str,
    message: &str,
    path: Vec<PathSegment>,
    err: &FetchError,
) -> ResponseError {
    let mut extensions = Map::new();
    extensions.insert(
        "code".to_owned(),
        Value::String("SUBGRAPH_ERROR".to_owned()),
    );
    extensions.insert("serviceName".to_owned(), Value::String(subgraph.to_owned()));
    if let FetchError::Status { status, .. } = err {
        extensions.insert("httpStatus".to_owned(), Value::from(*status));
    }
    ResponseError {
        message: message.to_owned(),
        path,
        extensions,
    }
}

fn dedup_paths(paths: Vec<Vec<PathSegment>>) -> Vec<Vec<PathSegment>> {
    let mut unique: Vec<Vec<PathSegment>> = Vec::new();
    for path in paths {
        if !unique.contains(&path) {
            unique.push(path);
        }
    }
    unique
}
