//! Values of `@fromContext` arguments for an entity fetch. The plan had each enclosing
//! object that sets a context select the context's value under an internal key
//! (`__context_0`); each entity at the fetch's path takes the value of its nearest ancestor
//! having that key. Entities with the same values form a group, and each group is one
//! `_entities` request with those values as its variables (one request when they all agree).

use federation::json::{Object, Sources, Value};
use federation::plan::{ContextVariable, PathElement};
use serde_json::Map;

/// Entities sharing the same context values.
#[derive(Debug, PartialEq)]
pub struct Group {
    /// The context variables' values.
    pub variables: Map<String, serde_json::Value>,
    /// For each object at the path, in walk order: whether it belongs to this group.
    pub members: Vec<bool>,
}

/// The groups of the objects at `path`, in order of first appearance.
pub fn groups(
    sources: &Sources,
    data: &Object,
    path: &[PathElement],
    contexts: &[ContextVariable],
) -> Vec<Group> {
    let mut per_object: Vec<Vec<serde_json::Value>> = Vec::new();
    visit(sources, data, path, &mut Vec::new(), &mut |ancestors| {
        let values = contexts
            .iter()
            .map(|context| nearest(sources, ancestors, context.key.as_str()))
            .collect();
        per_object.push(values);
    });
    let mut distinct: Vec<&Vec<serde_json::Value>> = Vec::new();
    for values in &per_object {
        if !distinct.contains(&values) {
            distinct.push(values);
        }
    }
    distinct
        .into_iter()
        .map(|values| Group {
            variables: contexts
                .iter()
                .zip(values)
                .map(|(context, value)| (context.variable.to_string(), value.clone()))
                .collect(),
            members: per_object.iter().map(|other| other == values).collect(),
        })
        .collect()
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
fn visit<'d>(
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
        (Value::Object(object), _) => visit(sources, object, path, ancestors, f),
        _ => {}
    }
}
