//! A subgraph's errors as the client sees them: the subgraph's name added, `_entities`
//! indexes (or a batch group's) mapped back to the response paths of the entities they are
//! about, and whole-fetch failures reported at every path the fetch was to fill.

use super::fetch::FetchError;
use federation::context_batch::ContextBatch;
use federation::json::Value;
use federation::response::{PathSegment, ResponseError};
use serde_json::Map;
use std::ops::Range;

/// Which representations an `_entities` error is about, and the rest of its path:
/// `["_entities", i, rest..]`, or `["e1", i, rest..]` for group 1 of a batch (`groups`: the
/// batch and each group's range of indexes). Some subgraphs leave the index out
/// (`["_entities", "field"]`); the error is then about the entities that came back null.
pub(super) fn entity_error_target(
    error: &serde_json::Value,
    entities: &[Value],
    groups: Option<(&ContextBatch, &[Range<usize>])>,
) -> Option<(Vec<usize>, Vec<PathSegment>)> {
    let path = error.get("path")?.as_array()?;
    let first = path.first()?.as_str()?;
    // The indexes the error's list covers, and how many it has when known.
    let (range, known) = match groups {
        None if first == "_entities" => (0..entities.len().max(1), false),
        None => return None,
        Some((template, ranges)) => (ranges.get(template.group_of(first)?)?.clone(), true),
    };
    let (indexes, rest): (Vec<usize>, &[serde_json::Value]) =
        match path.get(1).and_then(serde_json::Value::as_u64) {
            Some(index) => {
                let index = usize::try_from(index).ok()?;
                if known && index >= range.len() {
                    return None;
                }
                (vec![range.start + index], &path[2..])
            }
            None => (
                range
                    .filter(|&i| entities.get(i).is_none_or(Value::is_null))
                    .collect(),
                &path[1..],
            ),
        };
    Some((indexes, rest.iter().filter_map(json_segment).collect()))
}

fn json_segment(value: &serde_json::Value) -> Option<PathSegment> {
    match value {
        serde_json::Value::String(key) => Some(PathSegment::Key(key.clone())),
        serde_json::Value::Number(index) => index
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .map(PathSegment::Index),
        _ => None,
    }
}

/// A subgraph's error as the client sees it: its message and extensions, the subgraph's
/// name added, its path mapped by `path`.
pub(super) fn from_subgraph(
    subgraph: &str,
    error: serde_json::Value,
    path: impl FnOnce(&[PathSegment]) -> Vec<PathSegment>,
) -> ResponseError {
    let own_path: Vec<PathSegment> = error
        .get("path")
        .and_then(serde_json::Value::as_array)
        .map(|segments| segments.iter().filter_map(json_segment).collect())
        .unwrap_or_default();
    let message = error
        .get("message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("subgraph error")
        .to_owned();
    let mut extensions = match error.get("extensions") {
        Some(serde_json::Value::Object(extensions)) => extensions.clone(),
        _ => Map::new(),
    };
    extensions.insert(
        "serviceName".to_owned(),
        serde_json::Value::String(subgraph.to_owned()),
    );
    ResponseError {
        message,
        path: path(&own_path),
        extensions,
    }
}

pub(crate) fn subgraph_failure(
    subgraph: &str,
    message: &str,
    path: Vec<PathSegment>,
    err: &FetchError,
) -> ResponseError {
    let mut extensions = Map::new();
    extensions.insert(
        "code".to_owned(),
        serde_json::Value::String("SUBGRAPH_ERROR".to_owned()),
    );
    extensions.insert(
        "serviceName".to_owned(),
        serde_json::Value::String(subgraph.to_owned()),
    );
    if let FetchError::Status { status, .. } = err {
        extensions.insert("httpStatus".to_owned(), serde_json::Value::from(*status));
    }
    ResponseError {
        message: message.to_owned(),
        path,
        extensions,
    }
}

pub(super) fn dedup_paths(paths: Vec<Vec<PathSegment>>) -> Vec<Vec<PathSegment>> {
    let mut unique: Vec<Vec<PathSegment>> = Vec::new();
    for path in paths {
        if !unique.contains(&path) {
            unique.push(path);
        }
    }
    unique
}
