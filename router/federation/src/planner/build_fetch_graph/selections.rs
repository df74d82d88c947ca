//! Small selection builders of fetch-graph planning: `__typename`, inline fragments, key
//! fields that must not collide with the client's response keys, root fields flattened.

use crate::operation::{Field, Fragment, Selection, SelectionSet, merge_selection};
use crate::plan::{PathElement, ResponsePath};
use crate::supergraph::Supergraph;
use apollo_compiler::Name;
use apollo_compiler::ast;

/// Key or required fields to add next to `out`: a field whose response key a different
/// field of the client's already uses there (`upc: name`) gets an alias of its own
/// (`__upc: upc`), so the subgraph is not asked two things under one key. Representations are
/// written with the field's name, read from its alias.
pub(super) fn avoid_collisions(
    out: &[Selection],
    used: &[(Name, Name)],
    items: &[Selection],
) -> Vec<Selection> {
    items
        .iter()
        .map(|item| match item {
            Selection::Field(field) => {
                let collides = out.iter().any(|existing| {
                    matches!(existing, Selection::Field(other)
                        if other.response_key() == field.response_key()
                            && (other.name != field.name || other.arguments != field.arguments))
                }) || used
                    .iter()
                    .any(|(key, name)| key == field.response_key() && *name != field.name);
                if collides {
                    let mut aliased = field.clone();
                    aliased.alias = Some(Name::new_unchecked(&format!("__{}", field.name)));
                    Selection::Field(aliased)
                } else {
                    item.clone()
                }
            }
            Selection::Fragment(_) => item.clone(),
        })
        .collect()
}

/// The response keys `items` use, with their fields' names, through fragments.
pub(super) fn collect_used_keys(items: &[Selection], used: &mut Vec<(Name, Name)>) {
    for item in items {
        match item {
            Selection::Field(field) => {
                used.push((field.response_key().clone(), field.name.clone()))
            }
            Selection::Fragment(fragment) => collect_used_keys(&fragment.selection_set.items, used),
        }
    }
}

pub(super) fn typename() -> Selection {
    Selection::Field(Field {
        alias: None,
        name: Name::new_unchecked("__typename"),
        arguments: Vec::new(),
        directives: ast::DirectiveList::new(),
        ty: ast::Type::NonNullNamed(Name::new_unchecked("String")),
        selection_set: None,
    })
}

pub(super) fn on_type(ty: &Name, items: Vec<Selection>) -> Selection {
    Selection::Fragment(Fragment {
        type_condition: Some(ty.clone()),
        directives: ast::DirectiveList::new(),
        selection_set: SelectionSet {
            ty: ty.clone(),
            items,
        },
    })
}

/// Removes and returns the items of `... on ty` in `body`.
pub(super) fn take_fragment_items(body: &mut Vec<Selection>, ty: &Name) -> Vec<Selection> {
    match body.iter().position(|item| {
        matches!(item, Selection::Fragment(fragment) if fragment.type_condition.as_ref() == Some(ty))
    }) {
        Some(index) => match body.remove(index) {
            Selection::Fragment(fragment) => fragment.selection_set.items,
            Selection::Field(_) => Vec::new(),
        },
        None => Vec::new(),
    }
}

pub(super) fn push_with_directives(
    out: &mut Vec<Selection>,
    directives: &ast::DirectiveList,
    items: Vec<Selection>,
) {
    if directives.is_empty() {
        for item in items {
            merge_selection(out, item);
        }
    } else if !items.is_empty() {
        let ty = Name::new_unchecked("_");
        merge_selection(
            out,
            Selection::Fragment(Fragment {
                type_condition: None,
                directives: directives.clone(),
                selection_set: SelectionSet { ty, items },
            }),
        );
    }
}

/// The field `name` within a `@provides` selection, when provided.
pub(super) fn provided_field<'s>(
    provided: Option<&'s SelectionSet>,
    name: &str,
) -> Option<&'s Field> {
    provided?.items.iter().find_map(|item| match item {
        Selection::Field(field) if field.name == name => Some(field),
        _ => None,
    })
}

/// The response path of a field's value: its key, and `@` for each list level.
pub(super) fn child_path(path: &ResponsePath, field: &Field) -> ResponsePath {
    let mut child = path.clone();
    child.push(PathElement::Key(field.response_key().clone()));
    let mut ty = &field.ty;
    while let ast::Type::List(inner) | ast::Type::NonNullList(inner) = ty {
        child.push(PathElement::List);
        ty = inner;
    }
    child
}

/// The selections of `items` that apply to an object of type `object`, with fragments on
/// other types dropped and matching ones flattened.
pub(super) fn collect_for_type(
    supergraph: &Supergraph,
    object: &Name,
    items: &[Selection],
    out: &mut Vec<Selection>,
) {
    for item in items {
        match item {
            Selection::Field(_) => merge_selection(out, item.clone()),
            Selection::Fragment(fragment) => {
                let matches = fragment
                    .type_condition
                    .as_ref()
                    .is_none_or(|condition| supergraph.type_matches(object, condition));
                if !matches {
                    continue;
                }
                if fragment.directives.is_empty() {
                    collect_for_type(supergraph, object, &fragment.selection_set.items, out);
                } else {
                    let mut inner = Vec::new();
                    collect_for_type(
                        supergraph,
                        object,
                        &fragment.selection_set.items,
                        &mut inner,
                    );
                    push_with_directives(out, &fragment.directives, inner);
                }
            }
        }
    }
}

/// Root selections as a list of fields; fragments on the root type are flattened, their
/// directives carried onto the fields they held.
pub(super) fn flatten_root(
    items: &[Selection],
    inherited: &ast::DirectiveList,
    out: &mut Vec<Field>,
) {
    for item in items {
        match item {
            Selection::Field(field) => {
                let mut field = field.clone();
                for directive in inherited.iter() {
                    field.directives.push(directive.clone());
                }
                out.push(field);
            }
            Selection::Fragment(fragment) => {
                let mut directives = inherited.clone();
                for directive in fragment.directives.iter() {
                    directives.push(directive.clone());
                }
                flatten_root(&fragment.selection_set.items, &directives, out);
            }
        }
    }
}
