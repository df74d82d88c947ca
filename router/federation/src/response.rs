//! Builds the client's response from the data the subgraphs returned, merged: the operation's
//! fields in order, under their aliases, fragments applied by each object's runtime type,
//! `@skip`/`@include` honoured, extra fields (keys, requirements) left out, and null
//! propagation for non-null fields as the GraphQL spec requires.

use crate::operation::{Field, Selection, SelectionSet};
use crate::supergraph::Supergraph;
use apollo_compiler::ast;
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// A GraphQL error for the response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseError {
    pub message: String,
    pub path: Vec<PathSegment>,
    pub extensions: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl PathSegment {
    pub fn to_json(&self) -> Value {
        match self {
            Self::Key(key) => Value::String(key.clone()),
            Self::Index(index) => Value::from(*index),
        }
    }
}

impl ResponseError {
    pub fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("message".to_owned(), Value::String(self.message.clone()));
        if !self.path.is_empty() {
            error.insert(
                "path".to_owned(),
                Value::Array(self.path.iter().map(PathSegment::to_json).collect()),
            );
        }
        if !self.extensions.is_empty() {
            error.insert(
                "extensions".to_owned(),
                Value::Object(self.extensions.clone()),
            );
        }
        Value::Object(error)
    }
}

/// The null that a non-null field's missing value turns into, travelling up to the nearest
/// nullable position.
struct NullBubble;

struct Shaper<'a> {
    supergraph: &'a Supergraph,
    variables: &'a Map<String, Value>,
    errors: &'a mut Vec<ResponseError>,
    path: Vec<PathSegment>,
}

/// Shapes `data` (the merged subgraph data, `None` when no subgraph answered the root) along
/// the operation's `selection_set`. Adds an error for each non-null violation that no
/// subgraph error explains already. Returns the response's `data` (`Value::Null` when null
/// reached the root).
pub fn shape(
    supergraph: &Supergraph,
    selection_set: &SelectionSet,
    variables: &Map<String, Value>,
    data: &Map<String, Value>,
    errors: &mut Vec<ResponseError>,
) -> Value {
    let mut shaper = Shaper {
        supergraph,
        variables,
        errors,
        path: Vec::new(),
    };
    match shaper.object(&selection_set.ty, &[&selection_set.items], data) {
        Ok(object) => Value::Object(object),
        Err(NullBubble) => Value::Null,
    }
}

impl Shaper<'_> {
    fn object(
        &mut self,
        static_type: &str,
        sets: &[&Vec<Selection>],
        source: &Map<String, Value>,
    ) -> Result<Map<String, Value>, NullBubble> {
        let runtime_type = source
            .get("__typename")
            .and_then(Value::as_str)
            .unwrap_or(static_type)
            .to_owned();
        let mut grouped: IndexMap<&str, Vec<&Field>> = IndexMap::new();
        for items in sets {
            self.collect_fields(&runtime_type, items, &mut grouped);
        }
        let mut out = Map::with_capacity(grouped.len());
        for (key, fields) in grouped {
            let field = fields[0];
            if field.name == "__typename" {
                out.insert(key.to_owned(), Value::String(runtime_type.clone()));
                continue;
            }
            self.path.push(PathSegment::Key(key.to_owned()));
            let value = source.get(key).unwrap_or(&Value::Null);
            let result = self.value(&field.ty, &fields, value, &runtime_type);
            self.path.pop();
            match result {
                Ok(value) => {
                    out.insert(key.to_owned(), value);
                }
                Err(NullBubble) if !field.ty.is_non_null() => {
                    out.insert(key.to_owned(), Value::Null);
                }
                Err(NullBubble) => return Err(NullBubble),
            }
        }
        Ok(out)
    }

    fn value(
        &mut self,
        ty: &ast::Type,
        fields: &[&Field],
        value: &Value,
        parent_type: &str,
    ) -> Result<Value, NullBubble> {
        if value.is_null() {
            if ty.is_non_null() {
                self.null_violation(parent_type, &fields[0].name);
                return Err(NullBubble);
            }
            return Ok(Value::Null);
        }
        match ty {
            ast::Type::List(inner) | ast::Type::NonNullList(inner) => {
                let Value::Array(items) = value else {
                    return Ok(Value::Null);
                };
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    self.path.push(PathSegment::Index(index));
                    let result = self.value(inner, fields, item, parent_type);
                    self.path.pop();
                    match result {
                        Ok(value) => out.push(value),
                        Err(NullBubble) if !inner.is_non_null() => out.push(Value::Null),
                        Err(NullBubble) => {
                            return if ty.is_non_null() {
                                Err(NullBubble)
                            } else {
                                Ok(Value::Null)
                            };
                        }
                    }
                }
                Ok(Value::Array(out))
            }
            ast::Type::Named(name) | ast::Type::NonNullNamed(name) => {
                let sets: Vec<&Vec<Selection>> = fields
                    .iter()
                    .filter_map(|field| field.selection_set.as_ref().map(|s| &s.items))
                    .collect();
                if sets.is_empty() {
                    return Ok(value.clone());
                }
                match value {
                    Value::Object(source) => self.object(name, &sets, source).map(Value::Object),
                    _ => Ok(Value::Null),
                }
            }
        }
    }

    /// CollectFields: the fields that apply to an object of `runtime_type`, by response key.
    fn collect_fields<'s>(
        &self,
        runtime_type: &str,
        items: &'s [Selection],
        grouped: &mut IndexMap<&'s str, Vec<&'s Field>>,
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
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    ),
                    _ => None,
                }
            })
        };
        condition("skip") != Some(true) && condition("include") != Some(false)
    }

    fn null_violation(&mut self, parent_type: &str, field: &str) {
        let explained = self.errors.iter().any(|error| {
            error.path.len() >= self.path.len() && error.path[..self.path.len()] == self.path[..]
        });
        if !explained {
            self.errors.push(ResponseError {
                message: format!("Cannot return null for non-nullable field {parent_type}.{field}"),
                path: self.path.clone(),
                extensions: Map::new(),
            });
        }
    }
}
