//! Operations in the planner's terms: selection sets made of fields and inline fragments only
//! (named fragments are inlined where they are spread), each field knowing its schema type.
//! Also prints selection sets back to GraphQL for subgraph requests.

use crate::error::PlanError;
use apollo_compiler::ast::{self, OperationType};
use apollo_compiler::executable::{self, ExecutableDocument, FragmentMap};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Node};
use std::fmt::{self, Write};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SelectionSet {
    /// The type the selections apply to.
    pub ty: Name,
    pub items: Vec<Selection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selection {
    Field(Field),
    Fragment(Fragment),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    pub alias: Option<Name>,
    pub name: Name,
    pub arguments: Vec<Node<ast::Argument>>,
    pub directives: ast::DirectiveList,
    /// The field's type in the schema (nullability and list wrapping included).
    pub ty: ast::Type,
    pub selection_set: Option<SelectionSet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fragment {
    pub type_condition: Option<Name>,
    pub directives: ast::DirectiveList,
    pub selection_set: SelectionSet,
}

impl Field {
    /// The key the field's value has in a response.
    pub fn response_key(&self) -> &Name {
        self.alias.as_ref().unwrap_or(&self.name)
    }

    /// The same field without alias, arguments or directives: how a key or requirement
    /// field is asked for.
    pub fn without_selection(&self) -> Self {
        Self {
            selection_set: None,
            ..self.clone()
        }
    }
}

impl SelectionSet {
    pub fn new(ty: Name) -> Self {
        Self {
            ty,
            items: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// One client operation, ready to plan.
#[derive(Debug, Clone)]
pub struct Operation {
    pub kind: OperationType,
    pub name: Option<Name>,
    pub variables: Vec<Node<ast::VariableDefinition>>,
    pub selection_set: SelectionSet,
}

impl Operation {
    /// Picks `operation_name` (or the only operation) from a validated document.
    pub fn from_document(
        document: &Valid<ExecutableDocument>,
        operation_name: Option<&str>,
    ) -> Result<Self, PlanError> {
        let operation =
            document
                .operations
                .get(operation_name)
                .map_err(|_| match operation_name {
                    Some(name) => PlanError::UnknownOperation(name.to_owned()),
                    None => PlanError::OperationNameRequired,
                })?;
        Ok(Self {
            kind: operation.operation_type,
            name: operation.name.clone(),
            variables: operation.variables.clone(),
            selection_set: convert_selection_set(&operation.selection_set, &document.fragments),
        })
    }
}

/// Converts a compiler selection set, inlining named fragments as inline fragments.
pub fn convert_selection_set(
    selection_set: &executable::SelectionSet,
    fragments: &FragmentMap,
) -> SelectionSet {
    let mut items = Vec::with_capacity(selection_set.selections.len());
    for selection in &selection_set.selections {
        match selection {
            executable::Selection::Field(field) => items.push(Selection::Field(Field {
                alias: field.alias.clone(),
                name: field.name.clone(),
                arguments: field.arguments.clone(),
                directives: field.directives.clone(),
                ty: field.definition.ty.clone(),
                selection_set: (!field.selection_set.selections.is_empty())
                    .then(|| convert_selection_set(&field.selection_set, fragments)),
            })),
            executable::Selection::InlineFragment(fragment) => {
                items.push(Selection::Fragment(Fragment {
                    type_condition: fragment.type_condition.clone(),
                    directives: fragment.directives.clone(),
                    selection_set: convert_selection_set(&fragment.selection_set, fragments),
                }))
            }
            executable::Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.fragment_name) {
                    items.push(Selection::Fragment(Fragment {
                        type_condition: Some(fragment.type_condition().clone()),
                        directives: spread.directives.clone(),
                        selection_set: convert_selection_set(&fragment.selection_set, fragments),
                    }));
                }
            }
        }
    }
    SelectionSet {
        ty: selection_set.ty.clone(),
        items,
    }
}

/// Adds `selection` to `items`, merging it into a field of the same response key (or a
/// fragment of the same condition and directives) when there is one.
pub fn merge_selection(items: &mut Vec<Selection>, selection: Selection) {
    match selection {
        Selection::Field(field) => {
            let existing = items.iter_mut().find_map(|item| match item {
                Selection::Field(other)
                    if other.response_key() == field.response_key()
                        && other.name == field.name
                        && other.arguments == field.arguments
                        && other.directives == field.directives =>
                {
                    Some(other)
                }
                _ => None,
            });
            match (existing, field.selection_set) {
                (Some(other), Some(incoming)) => {
                    let target = other
                        .selection_set
                        .get_or_insert_with(|| SelectionSet::new(incoming.ty.clone()));
                    for item in incoming.items {
                        merge_selection(&mut target.items, item);
                    }
                }
                (Some(_), None) => {}
                (None, selection_set) => items.push(Selection::Field(Field {
                    selection_set,
                    ..field
                })),
            }
        }
        Selection::Fragment(fragment) => {
            let existing = items.iter_mut().find_map(|item| match item {
                Selection::Fragment(other)
                    if other.type_condition == fragment.type_condition
                        && other.directives == fragment.directives =>
                {
                    Some(other)
                }
                _ => None,
            });
            match existing {
                Some(other) => {
                    for item in fragment.selection_set.items {
                        merge_selection(&mut other.selection_set.items, item);
                    }
                }
                None => items.push(Selection::Fragment(fragment)),
            }
        }
    }
}

/// Variables a selection set uses, in order of first use.
pub fn collect_variables(items: &[Selection], found: &mut Vec<Name>) {
    fn in_value(value: &ast::Value, found: &mut Vec<Name>) {
        match value {
            ast::Value::Variable(name) if !found.contains(name) => found.push(name.clone()),
            ast::Value::List(items) => items.iter().for_each(|v| in_value(v, found)),
            ast::Value::Object(fields) => fields.iter().for_each(|(_, v)| in_value(v, found)),
            _ => {}
        }
    }
    fn in_directives(directives: &ast::DirectiveList, found: &mut Vec<Name>) {
        for directive in directives.iter() {
            for argument in &directive.arguments {
                in_value(&argument.value, found);
            }
        }
    }
    for item in items {
        match item {
            Selection::Field(field) => {
                for argument in &field.arguments {
                    in_value(&argument.value, found);
                }
                in_directives(&field.directives, found);
                if let Some(selection_set) = &field.selection_set {
                    collect_variables(&selection_set.items, found);
                }
            }
            Selection::Fragment(fragment) => {
                in_directives(&fragment.directives, found);
                collect_variables(&fragment.selection_set.items, found);
            }
        }
    }
}

/// Writes selections as GraphQL: `{ a b: c(x: 1) { d } ... on T { e } }`.
pub fn write_selections(out: &mut String, items: &[Selection]) {
    out.push('{');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        match item {
            Selection::Field(field) => {
                if let Some(alias) = &field.alias {
                    let _ = write!(out, "{alias}: ");
                }
                out.push_str(&field.name);
                if !field.arguments.is_empty() {
                    out.push('(');
                    for (i, argument) in field.arguments.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        let _ = write!(out, "{}: {}", argument.name, argument.value);
                    }
                    out.push(')');
                }
                write_directives(out, &field.directives);
                if let Some(selection_set) = &field.selection_set {
                    out.push(' ');
                    write_selections(out, &selection_set.items);
                }
            }
            Selection::Fragment(fragment) => {
                out.push_str("...");
                if let Some(condition) = &fragment.type_condition {
                    let _ = write!(out, " on {condition}");
                }
                write_directives(out, &fragment.directives);
                out.push(' ');
                write_selections(out, &fragment.selection_set.items);
            }
        }
    }
    out.push('}');
}

fn write_directives(out: &mut String, directives: &ast::DirectiveList) {
    for directive in directives.iter() {
        let _ = write!(out, " {directive}");
    }
}

impl fmt::Display for SelectionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_selections(&mut out, &self.items);
        f.write_str(&out)
    }
}

/// `query`, `mutation` or `subscription`.
pub fn keyword(kind: OperationType) -> &'static str {
    match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}
