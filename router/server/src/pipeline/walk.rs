//! Walking the response data along a plan path: every object at a path, in document order,
//! and the concrete response paths (list indexes filled in) of those objects.

use federation::json::{Object, Sources, Value};
use federation::plan::PathElement;
use federation::response::PathSegment;

/// Calls `f` on every object at `path` in `data`, in document order.
pub(super) fn visit<'d>(
    sources: &Sources,
    data: &'d Object,
    path: &[PathElement],
    f: &mut impl FnMut(&'d Object),
) {
    match path.split_first() {
        None => f(data),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get(sources, key.as_str()) {
                visit_value(sources, value, rest, f);
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn visit_value<'d>(
    sources: &Sources,
    value: &'d Value,
    path: &[PathElement],
    f: &mut impl FnMut(&'d Object),
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for item in items {
                visit_value(sources, item, rest, f);
            }
        }
        (Value::Object(object), _) => visit(sources, object, path, f),
        _ => {}
    }
}

/// [`visit`], mutably: the same objects in the same order.
pub(super) fn visit_mut(
    sources: &Sources,
    data: &mut Object,
    path: &[PathElement],
    f: &mut impl FnMut(&mut Object),
) {
    match path.split_first() {
        None => f(data),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get_mut(sources, key.as_str()) {
                visit_value_mut(sources, value, rest, f);
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn visit_value_mut(
    sources: &Sources,
    value: &mut Value,
    path: &[PathElement],
    f: &mut impl FnMut(&mut Object),
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for item in items {
                visit_value_mut(sources, item, rest, f);
            }
        }
        (Value::Object(object), _) => visit_mut(sources, object, path, f),
        _ => {}
    }
}

/// The response paths of the objects whose representation index satisfies `wanted`.
pub(super) fn entity_paths(
    sources: &Sources,
    data: &Object,
    path: &[PathElement],
    slots: &[Option<usize>],
    wanted: impl Fn(usize) -> bool,
) -> Vec<Vec<PathSegment>> {
    let mut objects = Vec::new();
    collect_objects(sources, data, path, &mut Vec::new(), &mut objects);
    objects
        .into_iter()
        .zip(slots)
        .filter_map(|(object_path, slot)| slot.filter(|index| wanted(*index)).map(|_| object_path))
        .collect()
}

/// The concrete path (list indexes filled in) of every object at `path` in `data`.
fn collect_objects(
    sources: &Sources,
    data: &Object,
    path: &[PathElement],
    current: &mut Vec<PathSegment>,
    out: &mut Vec<Vec<PathSegment>>,
) {
    match path.split_first() {
        None => out.push(current.clone()),
        Some((PathElement::Key(key), rest)) => {
            if let Some(value) = data.get(sources, key.as_str()) {
                current.push(PathSegment::Key(key.to_string()));
                collect_in_value(sources, value, rest, current, out);
                current.pop();
            }
        }
        Some((PathElement::List, _)) => {}
    }
}

fn collect_in_value(
    sources: &Sources,
    value: &Value,
    path: &[PathElement],
    current: &mut Vec<PathSegment>,
    out: &mut Vec<Vec<PathSegment>>,
) {
    match (value, path.split_first()) {
        (Value::Array(items), Some((PathElement::List, rest))) => {
            for (index, item) in items.iter().enumerate() {
                current.push(PathSegment::Index(index));
                collect_in_value(sources, item, rest, current, out);
                current.pop();
            }
        }
        (Value::Object(object), _) => collect_objects(sources, object, path, current, out),
        _ => {}
    }
}
