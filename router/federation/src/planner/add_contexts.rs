//! Before planning: fields taking arguments from contexts (`@fromContext`). For each such
//! field of the operation, the nearest enclosing object (a strict ancestor of the field's
//! parent) whose type sets the context gets the context's selection under an internal
//! response key (`__context_0: currency`), planned like any field (from whichever subgraph
//! resolves it); the field gets the argument as a variable (`price(currency: $context_0)`)
//! whose value the executor reads, per entity, from that key on its nearest ancestor.

use crate::context::selection_body;
use crate::error::PlanError;
use crate::operation::{Field, Fragment, Operation, Selection, SelectionSet};
use crate::plan::ContextVariable;
use crate::supergraph::{GraphId, Supergraph};
use apollo_compiler::ast::{self, DirectiveList};
use apollo_compiler::{Name, Node};

/// Response keys of context selections start with this (`__context_0`), followed by as many
/// `_` as it takes for no alias of the client's operation to start with it.
const KEY_PREFIX: &str = "__context_";

/// The operation with context selections and arguments added, and its context variables.
pub(crate) struct WithContexts {
    pub operation: Operation,
    pub variables: Vec<ContextVariable>,
}

/// `None` when no field of the operation takes a context argument.
pub(crate) fn add_contexts(
    supergraph: &Supergraph,
    operation: &Operation,
) -> Result<Option<WithContexts>, PlanError> {
    let mut key_prefix = KEY_PREFIX.to_owned();
    while has_alias_starting(&operation.selection_set.items, &key_prefix) {
        key_prefix.push('_');
    }
    let mut rewriter = Rewriter {
        supergraph,
        operation: operation.clone(),
        variables: Vec::new(),
        key_prefix,
    };
    let mut selection_set = std::mem::replace(
        &mut rewriter.operation.selection_set,
        SelectionSet::new(operation.selection_set.ty.clone()),
    );
    let mut types = vec![selection_set.ty.clone()];
    let pending = rewriter.walk(&mut selection_set, &mut types, &mut Vec::new())?;
    debug_assert!(pending.is_empty());
    if rewriter.variables.is_empty() {
        return Ok(None);
    }
    rewriter.operation.selection_set = selection_set;
    Ok(Some(WithContexts {
        operation: rewriter.operation,
        variables: rewriter.variables,
    }))
}

struct Rewriter<'a> {
    supergraph: &'a Supergraph,
    operation: Operation,
    variables: Vec<ContextVariable>,
    key_prefix: String,
}

/// A selection to add to the enclosing object at a level (0: the root).
type Pending = (usize, Selection);

impl Rewriter<'_> {
    /// Rewrites `set`, the selections of the object at level `types.len() - 1`; returns
    /// what must be added to objects further up.
    fn walk(
        &mut self,
        set: &mut SelectionSet,
        types: &mut Vec<Name>,
        path: &mut Vec<Name>,
    ) -> Result<Vec<Pending>, PlanError> {
        let level = types.len() - 1;
        let mut pending = Vec::new();
        for item in &mut set.items {
            match item {
                Selection::Field(field) => {
                    path.push(field.response_key().clone());
                    let parent = types[level].clone();
                    if self.supergraph.has_context_arguments(&parent, &field.name) {
                        self.bind(field, &parent, types, path, &mut pending)?;
                    }
                    if let Some(child) = &mut field.selection_set {
                        types.push(child.ty.clone());
                        let found = self.walk(child, types, path);
                        types.pop();
                        pending.extend(found?);
                    }
                    path.pop();
                }
                Selection::Fragment(fragment) => {
                    let condition = fragment
                        .type_condition
                        .clone()
                        .unwrap_or_else(|| types[level].clone());
                    let outer = std::mem::replace(&mut types[level], condition);
                    let found = self.walk(&mut fragment.selection_set, types, path);
                    types[level] = outer;
                    pending.extend(found?);
                }
            }
        }
        let (here, up): (Vec<Pending>, Vec<Pending>) = pending
            .into_iter()
            .partition(|(target, _)| *target == level);
        // First, so they are planned before the fields that need them.
        set.items
            .splice(0..0, here.into_iter().map(|(_, item)| item));
        Ok(up)
    }

    /// Gives `field` (of `parent`) its context arguments, and asks the ancestors for them.
    fn bind(
        &mut self,
        field: &mut Field,
        parent: &Name,
        types: &[Name],
        path: &[Name],
        pending: &mut Vec<Pending>,
    ) -> Result<(), PlanError> {
        let unplannable = |reason: String| PlanError::Unplannable {
            path: path.iter().map(Name::as_str).collect::<Vec<_>>().join("."),
            reason,
        };
        let graph: Option<GraphId> = (0..self.supergraph.graphs.len()).find(|&graph| {
            !self
                .supergraph
                .context_arguments(parent, &field.name, graph)
                .is_empty()
        });
        let Some(graph) = graph else {
            return Ok(());
        };
        let arguments = self
            .supergraph
            .context_arguments(parent, &field.name, graph)
            .to_vec();
        let level = types.len() - 1;
        for argument in arguments {
            let setters = self.supergraph.types_setting(&argument.context);
            let found = (0..level).rev().find_map(|ancestor| {
                let ty = &types[ancestor];
                let matching: Vec<Name> = setters
                    .iter()
                    .filter(|setter| {
                        *setter == ty
                            || self.supergraph.type_matches(setter, ty)
                            || self.supergraph.type_matches(ty, setter)
                    })
                    .cloned()
                    .collect();
                (!matching.is_empty()).then(|| (ancestor, ty.clone(), matching))
            });
            let Some((target, ancestor_type, matching)) = found else {
                return Err(unplannable(format!(
                    "{parent}.{} takes `{}` from the context `{}`, which no enclosing object sets",
                    field.name, argument.name, argument.context
                )));
            };
            let number = self.variables.len();
            let variable = self.fresh_variable(number);
            let key = Name::new_unchecked(&format!("{}{number}", self.key_prefix));
            for setter in matching {
                let selected = self
                    .supergraph
                    .parse_field_set(&setter, selection_body(&argument.selection))
                    .ok()
                    .and_then(|parsed| single_field(parsed.items, &setter))
                    .ok_or_else(|| {
                        unplannable(format!(
                            "the selection `{}` of the context `{}` does not select one field of {setter}",
                            argument.selection, argument.context
                        ))
                    })?;
                let mut selected = selected;
                selected.alias = Some(key.clone());
                let selection = if setter == ancestor_type {
                    Selection::Field(selected)
                } else {
                    Selection::Fragment(Fragment {
                        type_condition: Some(setter.clone()),
                        directives: DirectiveList::new(),
                        selection_set: SelectionSet {
                            ty: setter.clone(),
                            items: vec![Selection::Field(selected)],
                        },
                    })
                };
                pending.push((target, selection));
            }
            let ty = ast::Type::parse(argument.ty.as_str(), "context.graphql").map_err(|_| {
                unplannable(format!("bad type `{}` of a context argument", argument.ty))
            })?;
            field.arguments.push(Node::new(ast::Argument {
                name: argument.name.clone(),
                value: Node::new(ast::Value::Variable(variable.clone())),
            }));
            self.operation
                .variables
                .push(Node::new(ast::VariableDefinition {
                    name: variable.clone(),
                    ty: Node::new(ty),
                    default_value: None,
                    directives: DirectiveList::new(),
                }));
            self.variables.push(ContextVariable { variable, key });
        }
        Ok(())
    }

    /// `context_<n>`, made unique against the client's variables.
    fn fresh_variable(&self, number: usize) -> Name {
        let mut name = format!("context_{number}");
        while self
            .operation
            .variables
            .iter()
            .any(|v| v.name.as_str() == name)
        {
            name.push('_');
        }
        Name::new_unchecked(&name)
    }
}

/// The one field a context selection picks on `ty` (fragments on `ty` flattened).
fn single_field(items: Vec<Selection>, ty: &Name) -> Option<Field> {
    let mut fields = Vec::new();
    for item in items {
        match item {
            Selection::Field(field) => fields.push(field),
            Selection::Fragment(fragment)
                if fragment.type_condition.as_ref().is_none_or(|c| c == ty) =>
            {
                fields.extend(single_field(fragment.selection_set.items, ty));
            }
            Selection::Fragment(_) => {}
        }
    }
    (fields.len() == 1).then(|| fields.remove(0))
}

/// Whether a field of `items` (at any depth) has an alias starting with `prefix`.
fn has_alias_starting(items: &[Selection], prefix: &str) -> bool {
    items.iter().any(|item| match item {
        Selection::Field(field) => {
            field
                .alias
                .as_ref()
                .is_some_and(|alias| alias.starts_with(prefix))
                || field
                    .selection_set
                    .as_ref()
                    .is_some_and(|set| has_alias_starting(&set.items, prefix))
        }
        Selection::Fragment(fragment) => has_alias_starting(&fragment.selection_set.items, prefix),
    })
}
