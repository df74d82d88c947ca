//! The bodies of subgraph requests and the reading of their answers: the operation and the
//! client variables a fetch uses, representations written straight into the body (repeats
//! found by a hash of their bytes), JSON strings escaped on the way.

use super::fetch::{Answer, FetchError};
use axum::body::Bytes;
use federation::json::{self, Object, SourceId, Sources, Value};
use federation::operation::Selection;
use federation::plan::FetchStep;
use serde_json::Map;
use std::hash::Hasher;

/// Writes `{"query":…,"variables":{` and the client variables `fetch` uses; true when it
/// wrote none (the next member needs no comma).
pub(super) fn write_request_start(
    body: &mut Vec<u8>,
    fetch: &FetchStep,
    variables: &Map<String, serde_json::Value>,
) -> bool {
    body.extend_from_slice(b"{\"query\":");
    body.extend_from_slice(fetch.operation_json.as_bytes());
    body.extend_from_slice(b",\"variables\":{");
    let mut first = true;
    for name in &fetch.variables {
        if let Some(value) = variables.get(name.as_str()) {
            if !first {
                body.push(b',');
            }
            first = false;
            write_json_str(body, name);
            body.push(b':');
            let _ = serde_json::to_writer(&mut *body, value);
        }
    }
    first
}

/// The request for a root fetch: `{"query":…,"variables":{…}}`.
pub(crate) fn root_request(
    fetch: &FetchStep,
    variables: &Map<String, serde_json::Value>,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(fetch.operation.len() + 64);
    write_request_start(&mut body, fetch, variables);
    body.extend_from_slice(b"}}");
    body
}

/// A fast hash of a representation's text (FxHash's mixing, eight bytes at a time); only
/// used to find repeats, which are then compared in full.
pub(super) fn hash_bytes(bytes: &[u8]) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut hash = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
    }
    for &byte in chunks.remainder() {
        hash = (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(SEED);
    }
    hash
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
pub(super) struct KnownHash(u64);

impl Hasher for KnownHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) | u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Reads a subgraph's answer as a GraphQL response whose spans point into source `id`.
pub(super) fn read_answer(
    subgraph: &str,
    id: SourceId,
    answer: Answer,
) -> Result<(json::Response, Bytes), FetchError> {
    match json::parse_response(id, &answer.body) {
        Ok(response) if response.is_graphql => Ok((response, answer.body)),
        _ if !answer.status.is_success() => Err(FetchError::Status {
            subgraph: subgraph.to_owned(),
            status: answer.status.as_u16(),
        }),
        _ => Err(FetchError::Invalid(subgraph.to_owned())),
    }
}

/// Writes the fields of `items` taken from `object` as a JSON object; false when one is
/// missing.
fn write_selected(
    sources: &Sources,
    items: &[Selection],
    object: &Object,
    out: &mut Vec<u8>,
) -> bool {
    out.push(b'{');
    let mut written: Vec<&str> = Vec::with_capacity(items.len());
    let complete = write_members(sources, items, object, out, &mut written);
    out.push(b'}');
    complete
}

pub(super) fn write_members<'o>(
    sources: &Sources,
    items: &'o [Selection],
    object: &Object,
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
                let Some(value) = object.get(sources, field.response_key().as_str()) else {
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
                        write_selected(sources, &selection_set.items, inner, out)
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
                                    write_selected(sources, &selection_set.items, inner, out)
                                }
                                other => {
                                    sources.write(other, out);
                                    true
                                }
                            };
                        }
                        out.push(b']');
                        complete
                    }
                    (_, value) => {
                        sources.write(value, out);
                        true
                    }
                };
                if !complete {
                    return false;
                }
            }
            Selection::Fragment(fragment) => {
                let applies = fragment.type_condition.as_ref().is_none_or(|condition| {
                    matches!(object.get(sources, "__typename"),
                        Some(Value::String(name)) if sources.is(*name, condition.as_str()))
                });
                if applies
                    && !write_members(sources, &fragment.selection_set.items, object, out, written)
                {
                    return false;
                }
            }
        }
    }
    true
}

pub(super) fn write_json_str(out: &mut Vec<u8>, text: &str) {
    if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}
