//! Interfaces and their implementations after merging: objects get the fields only an
//! `@interfaceObject` adds, and every implementation must still satisfy the interfaces it
//! implements (each field present, of a subtype, with the interface field's arguments).

use super::error::{Diagnostics, ErrorCode, quoted_list};
use super::merge::{GraphId, JoinFields, MergedField, MergedType, Supertypes};
use super::merge_fields::{is_subtype, plural};
use super::subgraph::{Kind, Subgraph};
use apollo_compiler::Name;
use indexmap::IndexMap;

/// Objects implementing an interface that some subgraph defines as `@interfaceObject` get
/// the fields only the interface object has, resolved through it (a bare `@join__field`).
pub(crate) fn add_interface_object_fields(types: &mut IndexMap<Name, MergedType>) {
    let mut additions: Vec<(Name, Name, MergedField)> = Vec::new();
    for (name, ty) in types.iter() {
        if ty.kind != Kind::Object {
            continue;
        }
        for (interface, _) in &ty.implements {
            let Some(interface_type) = types.get(interface) else {
                continue;
            };
            if !interface_type.join_types.iter().any(|j| j.interface_object) {
                continue;
            }
            for (field_name, field) in &interface_type.fields {
                if !ty.fields.contains_key(field_name)
                    && !additions
                        .iter()
                        .any(|(t, f, _)| t == name && f == field_name)
                {
                    let mut field = field.clone();
                    field.join = JoinFields::Bare;
                    additions.push((name.clone(), field_name.clone(), field));
                }
            }
        }
    }
    for (type_name, field_name, field) in additions {
        if let Some(ty) = types.get_mut(&type_name) {
            ty.fields.insert(field_name, field);
        }
    }
}

/// Every implementation has every field of the interfaces it implements, after merging.
pub(crate) fn check_implementations(
    types: &IndexMap<Name, MergedType>,
    subgraphs: &[Subgraph],
    supertypes: &Supertypes,
    diags: &mut Diagnostics,
) {
    let graphs_of = |ty: &MergedType, field: &MergedField| -> Vec<String> {
        let graphs: Vec<GraphId> = match &field.join {
            JoinFields::Graphs(joins) => joins.iter().map(|j| j.graph).collect(),
            _ => ty.join_types.iter().map(|j| j.graph).collect(),
        };
        let mut names: Vec<String> = graphs.iter().map(|g| subgraphs[*g].name.clone()).collect();
        names.dedup();
        names
    };
    for (name, ty) in types {
        for (interface, implementing_graphs) in &ty.implements {
            let Some(interface_type) = types.get(interface) else {
                continue;
            };
            for (field_name, field) in &interface_type.fields {
                if let Some(implementation) = ty.fields.get(field_name) {
                    let coordinates = (
                        format!("{interface}.{field_name}"),
                        format!("{name}.{field_name}"),
                    );
                    check_signature(&coordinates, field, implementation, supertypes, diags);
                    continue;
                }
                let in_graphs: Vec<&str> = implementing_graphs
                    .iter()
                    .map(|g| subgraphs[*g].name.as_str())
                    .collect();
                diags.error(
                    ErrorCode::InterfaceFieldNoImplem,
                    format!(
                        "interface field \"{interface}.{field_name}\" is declared in subgraph{} {} but type \"{name}\", which implements \"{interface}\" in subgraph{} {}, does not have field \"{field_name}\"",
                        plural(graphs_of(interface_type, field).len()),
                        quoted_list(&graphs_of(interface_type, field)),
                        plural(in_graphs.len()),
                        quoted_list(&in_graphs)
                    ),
                );
            }
        }
    }
}

/// An implementation's field after merging: of a subtype of the interface field's type,
/// with each of its arguments, of the same types.
fn check_signature(
    (interface_field, object_field): &(String, String),
    field: &MergedField,
    implementation: &MergedField,
    supertypes: &Supertypes,
    diags: &mut Diagnostics,
) {
    if !is_subtype(&implementation.ty, &field.ty, Some(supertypes)) {
        diags.error(
            ErrorCode::InterfaceFieldImplemTypeMismatch,
            format!(
                "field \"{object_field}\" has type \"{}\" after merging, which is not a subtype of \"{}\", the type of the interface field \"{interface_field}\" it implements",
                implementation.ty, field.ty
            ),
        );
    }
    for (argument, definition) in &field.arguments {
        match implementation.arguments.get(argument) {
            None => diags.error(
                ErrorCode::InterfaceFieldImplemTypeMismatch,
                format!(
                    "field \"{object_field}\" has no argument \"{argument}\" after merging (a subgraph defining it lacks the argument), but the interface field \"{interface_field}\" it implements has"
                ),
            ),
            Some(own) if own.ty != definition.ty => diags.error(
                ErrorCode::InterfaceFieldImplemTypeMismatch,
                format!(
                    "argument \"{object_field}({argument}:)\" has type \"{}\" after merging but \"{}\" in the interface field \"{interface_field}\" it implements",
                    own.ty, definition.ty
                ),
            ),
            Some(_) => {}
        }
    }
}
