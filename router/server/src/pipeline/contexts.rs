//! Values of `@fromContext` arguments for an entity fetch, all sent in one request. The
//! plan had each enclosing object that sets a context select the context's value under an
//! internal key (`__context_0`); each entity at the fetch's path takes the value of its
//! nearest ancestor having that key. Entities with the same values form a group. One group
//! is the fetch's own operation with those values as its variables; several groups are the
//! plan's [`ContextBatch`] operation, one aliased `_entities` per group (`e0`, `e1`, …) with
//! its own representations and values, whose answers are put back in one list.

use super::request::{KnownHash, hash_bytes, write_json_str};
use super::walk::visit;
use federation::context_batch::ContextBatch;
use federation::json::{Object, Sources, Value};
use federation::plan::{ContextVariable, FetchStep, PathElement};
use serde_json::Map;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io::Write;
use std::ops::Range;

/// The entities at a fetch's path, grouped by their context values.
#[derive(Debug, PartialEq)]
pub struct Groups {
    /// Each group's values of the fetch's context variables, in order of first appearance.
    pub values: Vec<Vec<serde_json::Value>>,
    /// For each object at the path, in walk order: its group.
    pub of_object: Vec<usize>,
}

/// The groups of the objects at `path`.
pub fn groups(
    sources: &Sources,
    data: &Object,
    path: &[PathElement],
    contexts: &[ContextVariable],
) -> Groups {
    let mut groups = Groups {
        values: Vec::new(),
        of_object: Vec::new(),
    };
    visit_with_ancestors(sources, data, path, &mut Vec::new(), &mut |ancestors| {
        let values: Vec<serde_json::Value> = contexts
            .iter()
            .map(|context| nearest(sources, ancestors, context.key.as_str()))
            .collect();
        let group = match groups.values.iter().position(|other| *other == values) {
            Some(group) => group,
            None => {
                groups.values.push(values);
                groups.values.len() - 1
            }
        };
        groups.of_object.push(group);
    });
    groups
}

/// The variables of a one-group fetch: the client's and the group's values.
pub fn one_group_variables(
    client: &Map<String, serde_json::Value>,
    contexts: &[ContextVariable],
    values: Vec<serde_json::Value>,
) -> Map<String, serde_json::Value> {
    let mut variables = client.clone();
    for (context, value) in contexts.iter().zip(values) {
        variables.insert(context.variable.to_string(), value);
    }
    variables
}

/// Several groups of one fetch, sent at once.
pub struct Batch<'a> {
    pub template: &'a ContextBatch,
    pub groups: Groups,
}

impl Batch<'_> {
    /// Writes `{"query":…,"variables":{` with the client's variables and each group's
    /// context values.
    pub fn write_request_start(
        &self,
        body: &mut Vec<u8>,
        fetch: &FetchStep,
        client: &Map<String, serde_json::Value>,
    ) {
        body.extend_from_slice(b"{\"query\":");
        self.template.write_json(self.groups.values.len(), body);
        body.extend_from_slice(b",\"variables\":{");
        let prefix = &self.template.prefix;
        for (group, values) in self.groups.values.iter().enumerate() {
            for (k, value) in values.iter().enumerate() {
                if group > 0 || k > 0 {
                    body.push(b',');
                }
                let _ = write!(body, "\"{prefix}{group}_{k}\":");
                let _ = serde_json::to_writer(&mut *body, value);
            }
        }
        let is_context = |name: &str| fetch.contexts.iter().any(|c| c.variable == name);
        for name in fetch.variables.iter().filter(|name| !is_context(name)) {
            if let Some(value) = client.get(name.as_str()) {
                body.push(b',');
                write_json_str(body, name);
                body.push(b':');
                let _ = serde_json::to_writer(&mut *body, value);
            }
        }
    }

    /// Writes `,"e0":[…],"e1":[…]`, each group's representations (the objects for which
    /// `representation` writes one; repeats within a group sent once). Returns, for each
    /// object at `path`, the index of its representation in all groups' in order, and each
    /// group's range of indexes.
    pub fn write_representations(
        &self,
        sources: &Sources,
        data: &Object,
        path: &[PathElement],
        body: &mut Vec<u8>,
        representation: impl Fn(&Object, &mut Vec<u8>) -> bool,
    ) -> (Vec<Option<usize>>, Vec<Range<usize>>) {
        let count = self.groups.values.len();
        let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); count];
        let mut written: Vec<Vec<Range<usize>>> = vec![Vec::new(); count];
        let mut by_hash: Vec<HashMap<u64, usize, BuildHasherDefault<KnownHash>>> =
            vec![HashMap::default(); count];
        let mut local: Vec<Option<(usize, usize)>> = Vec::new();
        let mut position = 0;
        visit(sources, data, path, &mut |object| {
            let group = self.groups.of_object.get(position).copied();
            position += 1;
            let Some(group) = group.filter(|&group| group < count) else {
                local.push(None);
                return;
            };
            let (out, seen, hashes) = (
                &mut buffers[group],
                &mut written[group],
                &mut by_hash[group],
            );
            let mark = out.len();
            if !seen.is_empty() {
                out.push(b',');
            }
            let start = out.len();
            if !representation(object, out) {
                out.truncate(mark);
                local.push(None);
                return;
            }
            let hash = hash_bytes(&out[start..]);
            let index = match hashes.get(&hash) {
                Some(&index) if out[seen[index].clone()] == out[start..] => {
                    out.truncate(mark);
                    index
                }
                _ => {
                    hashes.entry(hash).or_insert(seen.len());
                    seen.push(start..out.len());
                    seen.len() - 1
                }
            };
            local.push(Some((group, index)));
        });
        let mut ranges = Vec::with_capacity(count);
        let prefix = &self.template.prefix;
        let mut next = 0;
        for (group, buffer) in buffers.iter().enumerate() {
            let _ = write!(body, ",\"{prefix}{group}\":[");
            body.extend_from_slice(buffer);
            body.push(b']');
            ranges.push(next..next + written[group].len());
            next += written[group].len();
        }
        let slots = local
            .into_iter()
            .map(|slot| slot.map(|(group, index)| ranges[group].start + index))
            .collect();
        (slots, ranges)
    }

    /// The answers of all groups, in order, each group's list made as long as the
    /// representations it was sent (nulls where the subgraph gave none).
    pub fn entities(
        &self,
        sources: &Sources,
        data: Option<Object>,
        ranges: &[Range<usize>],
    ) -> Vec<Value> {
        let mut data = data;
        let mut entities = Vec::with_capacity(ranges.last().map_or(0, |range| range.end));
        for (group, range) in ranges.iter().enumerate() {
            let key = format!("{}{group}", self.template.prefix);
            let mut answered = match data.as_mut().and_then(|data| data.remove(sources, &key)) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            answered.resize(range.len(), Value::Null);
            entities.extend(answered);
        }
        entities
    }
}

/// The value at `key` of the nearest ancestor having it, as JSON; null when none has it.
fn nearest(sources: &Sources, ancestors: &[&Object], key: &str) -> serde_json::Value {
    let Some(value) = ancestors
        .iter()
        .rev()
        .find_map(|ancestor| ancestor.get(sources, key))
    else {
        return serde_json::Value::Null;
    };
    let mut text = Vec::new();
    sources.write(value, &mut text);
    serde_json::from_slice(&text).unwrap_or(serde_json::Value::Null)
}

/// Calls `f` for every object at `path` (in the same order as the executor's walk) with the
/// objects enclosing it, outermost first.
fn visit_with_ancestors<'d>(
    sources: &Sources,
    data: &'d Object,
    path: &[PathElement],
    ancestors: &mut Vec<&'d Object>,
    f: &mut impl FnMut(&[&'d Object]),
) {
    match path.split_first() {
        None => f(ancestors),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get(sources, key.as_str()) {
                ancestors.push(data);
                visit_value(sources, value, rest, ancestors, f);
                ancestors.pop();
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn visit_value<'d>(
    sources: &Sources,
    value: &'d Value,
    path: &[PathElement],
    ancestors: &mut Vec<&'d Object>,
    f: &mut impl FnMut(&[&'d Object]),
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for item in items {
                visit_value(sources, item, rest, ancestors, f);
            }
        }
        (Value::Object(object), _) => visit_with_ancestors(sources, object, path, ancestors, f),
        _ => {}
    }
}
