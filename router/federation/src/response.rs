//! Builds the client's response from the data the subgraphs returned, merged: the operation's
//! fields in order, under their aliases, fragments applied by each object's runtime type,
//! `@skip`/`@include` honoured, extra fields (keys, requirements) left out, and null
//! propagation for non-null fields as the GraphQL spec requires.

use crate::json::{Object, Sources, Value};
use crate::operation::{Field, Selection, SelectionSet};
use crate::supergraph::Supergraph;
use apollo_compiler::ast;
use indexmap::IndexMap;
use serde_json::Map;
use std::borrow::Cow;

/// A GraphQL error for the response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseError {
    pub message: String,
    pub path: Vec<PathSegment>,
    pub extensions: Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl ResponseError {
    /// Writes the error as JSON, its members in the spec's order: message, path, extensions.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"message\":");
        write_str(out, &self.message);
        if !self.path.is_empty() {
            out.extend_from_slice(b",\"path\":[");
            for (index, segment) in self.path.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                match segment {
                    PathSegment::Key(key) => write_str(out, key),
                    PathSegment::Index(index) => {
                        out.extend_from_slice(index.to_string().as_bytes())
                    }
                }
            }
            out.push(b']');
        }
        if !self.extensions.is_empty() {
            out.extend_from_slice(b",\"extensions\":");
            if serde_json::to_writer(&mut *out, &self.extensions).is_err() {
                out.extend_from_slice(b"{}");
            }
        }
        out.push(b'}');
    }
}

/// The null that a non-null field's missing value turns into, travelling up to the nearest
/// nullable position.
struct NullBubble;

/// One step of the path being shaped, borrowed from the operation while shaping.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl Step<'_> {
    fn owned(self) -> PathSegment {
        match self {
            Self::Key(key) => PathSegment::Key(key.to_owned()),
            Self::Index(index) => PathSegment::Index(index),
        }
    }

    fn matches(self, segment: &PathSegment) -> bool {
        match (self, segment) {
            (Self::Key(key), PathSegment::Key(other)) => key == other,
            (Self::Index(index), PathSegment::Index(other)) => index == *other,
            _ => false,
        }
    }
}

struct Shaper<'a, 'o> {
    supergraph: &'a Supergraph,
    variables: &'a Map<String, serde_json::Value>,
    sources: &'a Sources,
    errors: &'a mut Vec<ResponseError>,
    path: Vec<Step<'a>>,
    out: &'o mut Vec<u8>,
}

/// Writes the response's `data` (JSON) to `out`: `data` (the merged subgraph data, its texts
/// in `sources`) shaped
/// along the operation's `selection_set`, or `null` when a null reached the root. Adds an
/// error for each non-null violation that no subgraph error explains already.
pub fn shape(
    supergraph: &Supergraph,
    selection_set: &SelectionSet,
    variables: &Map<String, serde_json::Value>,
    sources: &Sources,
    data: &Object,
    errors: &mut Vec<ResponseError>,
    out: &mut Vec<u8>,
) {
    let start = out.len();
    let mut shaper = Shaper {
        supergraph,
        variables,
        sources,
        errors,
        path: Vec::new(),
        out,
    };
    let sets = [&selection_set.items];
    if shaper.object(&selection_set.ty, &sets, data).is_err() {
        shaper.out.truncate(start);
        shaper.out.extend_from_slice(b"null");
    }
}

impl<'a> Shaper<'a, '_> {
    fn object(
        &mut self,
        static_type: &'a str,
        sets: &[&'a Vec<Selection>],
        source: &'a Object,
    ) -> Result<(), NullBubble> {
        let runtime_type: Cow<'a, str> = source
            .get(self.sources, "__typename")
            .and_then(|value| self.sources.str(value))
            .unwrap_or(Cow::Borrowed(static_type));
        let runtime_type = runtime_type.as_ref();
        self.out.push(b'{');
        if let [items] = sets
            && is_plain(items)
        {
            // The common case: fields only, each once, no directives.
            for (index, item) in items.iter().enumerate() {
                if let Selection::Field(field) = item {
                    self.field(index == 0, runtime_type, &[field], source)?;
                }
            }
        } else {
            let mut grouped: IndexMap<&'a str, Vec<&'a Field>> = IndexMap::new();
            for items in sets {
                self.collect_fields(runtime_type, items, &mut grouped);
            }
            for (index, fields) in grouped.values().enumerate() {
                self.field(index == 0, runtime_type, fields, source)?;
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    /// Writes `"key":value` for the fields sharing one response key.
    fn field(
        &mut self,
        first: bool,
        runtime_type: &str,
        fields: &[&'a Field],
        source: &'a Object,
    ) -> Result<(), NullBubble> {
        let field = fields[0];
        let key = field.response_key().as_str();
        if !first {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        if field.name == "__typename" {
            write_str(self.out, runtime_type);
            return Ok(());
        }
        let mark = self.out.len();
        self.path.push(Step::Key(key));
        let value = source.get(self.sources, key).unwrap_or(&Value::Null);
        let result = self.value(&field.ty, fields, value, runtime_type);
        self.path.pop();
        match result {
            Ok(()) => Ok(()),
            Err(NullBubble) if !field.ty.is_non_null() => {
                self.out.truncate(mark);
                self.out.extend_from_slice(b"null");
                Ok(())
            }
            Err(NullBubble) => Err(NullBubble),
        }
    }

    fn value(
        &mut self,
        ty: &'a ast::Type,
        fields: &[&'a Field],
        value: &'a Value,
        parent_type: &str,
    ) -> Result<(), NullBubble> {
        if value.is_null() {
            if ty.is_non_null() {
                self.null_violation(parent_type, &fields[0].name);
                return Err(NullBubble);
            }
            self.out.extend_from_slice(b"null");
            return Ok(());
        }
        match ty {
            ast::Type::List(inner) | ast::Type::NonNullList(inner) => {
                let Value::Array(items) = value else {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                };
                self.out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.out.push(b',');
                    }
                    let mark = self.out.len();
                    self.path.push(Step::Index(index));
                    let result = self.value(inner, fields, item, parent_type);
                    self.path.pop();
                    match result {
                        Ok(()) => {}
                        Err(NullBubble) if !inner.is_non_null() => {
                            self.out.truncate(mark);
                            self.out.extend_from_slice(b"null");
                        }
                        // The list itself becomes null (or bubbles further).
                        Err(NullBubble) => return Err(NullBubble),
                    }
                }
                self.out.push(b']');
                Ok(())
            }
            ast::Type::Named(name) | ast::Type::NonNullNamed(name) => {
                let first_set = fields.iter().find_map(|field| field.selection_set.as_ref());
                if first_set.is_none() {
                    self.sources.write(value, self.out);
                    return Ok(());
                }
                let Value::Object(source) = value else {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                };
                if let [field] = fields
                    && let Some(selection_set) = &field.selection_set
                {
                    return self.object(name, &[&selection_set.items], source);
                }
                let sets: Vec<&'a Vec<Selection>> = fields
                    .iter()
                    .filter_map(|field| field.selection_set.as_ref().map(|s| &s.items))
                    .collect();
                self.object(name, &sets, source)
            }
        }
    }

    /// CollectFields: the fields that apply to an object of `runtime_type`, by response key.
    fn collect_fields(
        &self,
        runtime_type: &str,
        items: &'a [Selection],
        grouped: &mut IndexMap<&'a str, Vec<&'a Field>>,
    ) {
        for item in items {
            match item {
                Selection::Field(field) => {
                    if self.included(&field.directives) {
                        grouped
                            .entry(field.response_key().as_str())
                            .or_default()
                            .push(field);
                    }
                }
                Selection::Fragment(fragment) => {
                    let applies = fragment.type_condition.as_ref().is_none_or(|condition| {
                        self.supergraph.type_matches(runtime_type, condition)
                    });
                    if applies && self.included(&fragment.directives) {
                        self.collect_fields(runtime_type, &fragment.selection_set.items, grouped);
                    }
                }
            }
        }
    }

    /// `@skip(if:)` and `@include(if:)`, with literal or variable conditions.
    fn included(&self, directives: &ast::DirectiveList) -> bool {
        let condition = |name: &str| {
            directives.get(name).and_then(|directive| {
                match directive
                    .specified_argument_by_name("if")
                    .map(|v| v.as_ref())
                {
                    Some(ast::Value::Boolean(value)) => Some(*value),
                    Some(ast::Value::Variable(variable)) => Some(
                        self.variables
                            .get(variable.as_str())
                            .and_then(serde_json::Value::as_bool)
                            .unwrap_or(false),
                    ),
                    _ => None,
                }
            })
        };
        condition("skip") != Some(true) && condition("include") != Some(false)
    }

    fn null_violation(&mut self, parent_type: &str, field: &str) {
        let depth = self.path.len();
        let explained = self.errors.iter().any(|error| {
            error.path.len() >= depth
                && self
                    .path
                    .iter()
                    .zip(&error.path)
                    .all(|(step, segment)| step.matches(segment))
        });
        if !explained {
            self.errors.push(ResponseError {
                message: format!("Cannot return null for non-nullable field {parent_type}.{field}"),
                path: self.path.iter().map(|step| step.owned()).collect(),
                extensions: Map::new(),
            });
        }
    }
}

/// Fields only, each response key once, no directives: no grouping needed.
fn is_plain(items: &[Selection]) -> bool {
    items.iter().enumerate().all(|(index, item)| match item {
        Selection::Field(field) => {
            field.directives.is_empty()
                && items[..index].iter().all(|earlier| match earlier {
                    Selection::Field(other) => other.response_key() != field.response_key(),
                    Selection::Fragment(_) => false,
                })
        }
        Selection::Fragment(_) => false,
    })
}

fn write_str(out: &mut Vec<u8>, text: &str) {
    if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}
