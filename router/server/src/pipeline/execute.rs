//! Runs a query plan: fetches in sequence or in parallel as the plan says, each entity fetch
//! sending every representation of its step in one `_entities` request (duplicates sent
//! once), answers merged into the response at their paths, subgraph errors passed on with
//! paths into the client's response and the subgraph's name.

use super::fetch::{FetchError, Subgraph, SubgraphClient};
use axum::http::{HeaderName, HeaderValue};
use federation::Supergraph;
use federation::operation::Selection;
use federation::plan::{FetchStep, PathElement, PlanNode, QueryPlan};
use federation::response::{PathSegment, ResponseError};
use federation::supergraph::GraphId;
use futures::future::{BoxFuture, join_all};
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
        // The request body, written directly: {"query":…,"variables":{…}}.
        let mut body = Vec::with_capacity(fetch.operation.len() + 256);
        body.extend_from_slice(b"{\"query\":");
        write_json_str(&mut body, &fetch.operation);
        body.extend_from_slice(b",\"variables\":{");
        let mut first = true;
        for name in &fetch.variables {
            if let Some(value) = self.variables.get(name.as_str()) {
                if !first {
                    body.push(b',');
                }
                first = false;
                write_json_str(&mut body, name);
                body.push(b':');
                let _ = serde_json::to_writer(&mut body, value);
            }
        }
        // For entity fetches: for each object at `path` (in walk order), the index of its
        // representation, or `None` when it is not one of the fetch's entities.
        let mut slots: Vec<Option<usize>> = Vec::new();
        if let Some(requires) = &fetch.requires {
            let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
            let mut representations: Vec<Vec<u8>> = Vec::new();
            {
                let state = self.lock();
                visit(&state.data, path, &mut |object| {
                    let mut text = Vec::new();
                    let slot = self
                        .representation(fetch.graph, &requires.items, object, &mut text)
                        .then(|| {
                            let next = representations.len();
                            *seen.entry(text).or_insert_with_key(|text| {
                                representations.push(text.clone());
                                next
                            })
                        });
                    slots.push(slot);
                });
            }
            if representations.is_empty() {
                return;
            }
            if !first {
                body.push(b',');
            }
            body.extend_from_slice(b"\"representations\":[");
            for (index, representation) in representations.iter().enumerate() {
                if index > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(representation);
            }
            body.push(b']');
        }
        body.extend_from_slice(b"}}");

        let subgraph = &self.subgraphs[fetch.graph];
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
                    entity_paths(&state.data, path, &slots, |_| true)
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
            let Some((indexes, rest)) = entity_error_target(&error, &entities) else {
                state
                    .errors
                    .push(from_subgraph(&subgraph.name, error, |_| Vec::new()));
                continue;
            };
            let paths = entity_paths(&state.data, path, &slots, |index| indexes.contains(&index));
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
        visit_mut(&mut state.data, path, &mut |object| {
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
                    entity.remove("__typename");
                }
                merge_object(object, entity);
            }
        });
    }

    /// Writes the representation of `object` for an entity fetch to `out`; false when the
    /// object is not one of the fetch's types or lacks a key field.
    fn representation(
        &self,
        graph: GraphId,
        requires: &[Selection],
        object: &Map<String, Value>,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(typename) = object.get("__typename").and_then(Value::as_str) else {
            return false;
        };
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
        let complete = write_members(&fragment.selection_set.items, object, out, &mut written);
        out.push(b'}');
        complete
    }
}

/// Writes the fields of `items` taken from `object` as a JSON object; false when one is
/// missing.
fn write_selected(items: &[Selection], object: &Map<String, Value>, out: &mut Vec<u8>) -> bool {
    out.push(b'{');
    let mut written: Vec<&str> = Vec::with_capacity(items.len());
    let complete = write_members(items, object, out, &mut written);
    out.push(b'}');
    complete
}

fn write_members<'o>(
    items: &'o [Selection],
    object: &'o Map<String, Value>,
    out: &mut Vec<u8>,
    written: &mut Vec<&'o str>,
) -> bool {
    for item in items {
        match item {
            Selection::Field(field) => {
                // Read under the response key (an alias when the planner had to give one),
                // written under the field's name.
                let name = field.name.as_str();
                if written.contains(&name) {
                    continue;
                }
                let Some(value) = object.get(field.response_key().as_str()) else {
                    return false;
                };
                if !written.is_empty() {
                    out.push(b',');
                }
                written.push(name);
                write_json_str(out, name);
                out.push(b':');
                let complete = match (&field.selection_set, value) {
                    (Some(selection_set), Value::Object(inner)) => {
                        write_selected(&selection_set.items, inner, out)
                    }
                    (Some(selection_set), Value::Array(values)) => {
                        out.push(b'[');
                        let mut complete = true;
                        for (index, value) in values.iter().enumerate() {
                            if index > 0 {
                                out.push(b',');
                            }
                            complete &= match value {
                                Value::Object(inner) => {
                                    write_selected(&selection_set.items, inner, out)
                                }
                                other => serde_json::to_writer(&mut *out, other).is_ok(),
                            };
                        }
                        out.push(b']');
                        complete
                    }
                    (_, value) => serde_json::to_writer(&mut *out, value).is_ok(),
                };
                if !complete {
                    return false;
                }
            }
            Selection::Fragment(fragment) => {
                let applies = fragment.type_condition.as_ref().is_none_or(|condition| {
                    object.get("__typename").and_then(Value::as_str) == Some(condition.as_str())
                });
                if applies && !write_members(&fragment.selection_set.items, object, out, written) {
                    return false;
                }
            }
        }
    }
    true
}

fn write_json_str(out: &mut Vec<u8>, text: &str) {
    if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

/// Calls `f` on every object at `path` in `data`, in document order.
fn visit<'d>(
    data: &'d Map<String, Value>,
    path: &[PathElement],
    f: &mut impl FnMut(&'d Map<String, Value>),
) {
    match path.split_first() {
        None => f(data),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get(key.as_str()) {
                visit_value(value, rest, f);
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn visit_value<'d>(
    value: &'d Value,
    path: &[PathElement],
    f: &mut impl FnMut(&'d Map<String, Value>),
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for item in items {
                visit_value(item, rest, f);
            }
        }
        (Value::Object(object), _) => visit(object, path, f),
        _ => {}
    }
}

/// [`visit`], mutably: the same objects in the same order.
fn visit_mut(
    data: &mut Map<String, Value>,
    path: &[PathElement],
    f: &mut impl FnMut(&mut Map<String, Value>),
) {
    match path.split_first() {
        None => f(data),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get_mut(key.as_str()) {
                visit_value_mut(value, rest, f);
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn visit_value_mut(
    value: &mut Value,
    path: &[PathElement],
    f: &mut impl FnMut(&mut Map<String, Value>),
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for item in items {
                visit_value_mut(item, rest, f);
            }
        }
        (Value::Object(object), _) => visit_mut(object, path, f),
        _ => {}
    }
}

/// The response paths of the objects whose representation index satisfies `wanted`.
fn entity_paths(
    data: &Map<String, Value>,
    path: &[PathElement],
    slots: &[Option<usize>],
    wanted: impl Fn(usize) -> bool,
) -> Vec<Vec<PathSegment>> {
    let mut objects = Vec::new();
    collect_objects(data, path, &mut Vec::new(), &mut objects);
    objects
        .into_iter()
        .zip(slots)
        .filter_map(|((object_path, _), slot)| {
            slot.filter(|index| wanted(*index)).map(|_| object_path)
        })
        .collect()
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

/// Which representations an `_entities` error is about, and the rest of its path:
/// `["_entities", i, rest..]`. Some subgraphs leave the index out (`["_entities", "field"]`);
/// the error is then about the entities that came back null.
fn entity_error_target(
    error: &Value,
    entities: &[Value],
) -> Option<(Vec<usize>, Vec<PathSegment>)> {
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
    Some((indexes, rest.iter().filter_map(json_segment).collect()))
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
