//! Federation rules each subgraph must satisfy on its own: valid `@key`, `@requires` and
//! `@provides` field sets, `@external` where it is needed and used, `@override` and
//! `@interfaceObject` used where they can be. Also reads Federation 1 subgraphs the way
//! Federation 2 does: `@external` on a key field of an extended type is dropped.

use super::contexts;
use super::error::{Diagnostics, ErrorCode};
use super::field_set::{self, Selected};
use super::subgraph::{Kind, Subgraph};
use apollo_compiler::Name;
use std::collections::HashSet;

/// Federation 1 marks the key fields of the types it extends `@external`, yet the
/// subgraph resolves them: they are plain (shareable) fields for composition.
pub(crate) fn upgrade_federation1(subgraph: &mut Subgraph) {
    if subgraph.fed2 {
        return;
    }
    for ty in subgraph.types.values_mut() {
        let key_fields: HashSet<Name> = ty
            .keys
            .iter()
            .flat_map(|key| field_set::top_level_names(&key.fields))
            .collect();
        for (name, field) in ty.fields.iter_mut() {
            if field.external && key_fields.contains(name) {
                field.external = false;
            }
        }
    }
}

pub(crate) fn validate(subgraph: &Subgraph, diags: &mut Diagnostics) {
    check_names(subgraph, diags);
    let name = &subgraph.name;
    let mut used_externals: HashSet<(Name, Name)> = HashSet::new();
    for (type_name, ty) in &subgraph.types {
        for key in &ty.keys {
            let directive = format!("@key(fields: \"{}\")", key.fields);
            match field_set::select(subgraph, type_name, &key.fields) {
                Err(why) => diags.error(
                    ErrorCode::KeyInvalidFields,
                    format!(
                        "subgraph \"{name}\": {directive} on type \"{type_name}\" is invalid: {why}"
                    ),
                ),
                Ok(selected) => {
                    for field in &selected {
                        let coordinate = format!("{}.{}", field.parent, field.name);
                        if !field.def.arguments.is_empty() {
                            diags.error(
                                ErrorCode::KeyFieldsHasArgs,
                                format!("subgraph \"{name}\": {directive} on type \"{type_name}\" selects field \"{coordinate}\", which has arguments"),
                            );
                        }
                        let base = field.def.ty.inner_named_type();
                        let abstract_type = subgraph
                            .types
                            .get(base)
                            .is_some_and(|t| matches!(t.kind, Kind::Interface | Kind::Union));
                        if field.def.ty.is_list() || abstract_type {
                            diags.error(
                                ErrorCode::KeyFieldsSelectInvalidType,
                                format!("subgraph \"{name}\": {directive} on type \"{type_name}\" selects field \"{coordinate}\" of type \"{}\": key fields cannot be lists, interfaces or unions", field.def.ty),
                            );
                        }
                    }
                    mark_used(&selected, &mut used_externals);
                }
            }
            if ty.kind == Kind::Interface {
                check_interface_key(subgraph, type_name, &key.fields, diags);
            }
        }
        if ty.interface_object && ty.keys.is_empty() {
            diags.error(
                ErrorCode::InterfaceObjectUsageError,
                format!("subgraph \"{name}\": type \"{type_name}\" is an @interfaceObject without a @key"),
            );
        }
        for (field_name, field) in &ty.fields {
            let coordinate = format!("{type_name}.{field_name}");
            if let Some(requires) = &field.requires {
                let directive = format!("@requires(fields: \"{requires}\")");
                if ty.kind == Kind::Interface {
                    diags.error(
                        ErrorCode::RequiresUnsupportedOnInterface,
                        format!("subgraph \"{name}\": {directive} on interface field \"{coordinate}\": @requires is not supported on interfaces"),
                    );
                } else {
                    match field_set::select(subgraph, type_name, requires) {
                        Err(why) => diags.error(
                            ErrorCode::RequiresInvalidFields,
                            format!("subgraph \"{name}\": {directive} on field \"{coordinate}\" is invalid: {why}"),
                        ),
                        Ok(selected) => {
                            for missing in selected.iter().filter(|s| s.top_level && !s.def.external) {
                                diags.error(
                                    ErrorCode::RequiresFieldsMissingExternal,
                                    format!("subgraph \"{name}\": {directive} on field \"{coordinate}\" selects field \"{}.{}\", which is not marked @external", missing.parent, missing.name),
                                );
                            }
                            mark_used(&selected, &mut used_externals);
                        }
                    }
                }
            }
            if let Some(provides) = &field.provides {
                let directive = format!("@provides(fields: \"{provides}\")");
                let base = field.ty.inner_named_type();
                let composite = subgraph.types.get(base).is_some_and(|t| {
                    matches!(t.kind, Kind::Object | Kind::Interface | Kind::Union)
                });
                if ty.kind == Kind::Interface {
                    diags.error(
                        ErrorCode::ProvidesUnsupportedOnInterface,
                        format!("subgraph \"{name}\": {directive} on interface field \"{coordinate}\": @provides is not supported on interfaces"),
                    );
                } else if !composite {
                    diags.error(
                        ErrorCode::ProvidesOnNonObjectField,
                        format!("subgraph \"{name}\": {directive} on field \"{coordinate}\" of type \"{}\": @provides needs a field of object, interface or union type", field.ty),
                    );
                } else {
                    match field_set::select(subgraph, base, provides) {
                        Err(why) => diags.error(
                            ErrorCode::ProvidesInvalidFields,
                            format!("subgraph \"{name}\": {directive} on field \"{coordinate}\" is invalid: {why}"),
                        ),
                        Ok(selected) => {
                            for missing in selected.iter().filter(|s| s.top_level && !s.def.external) {
                                diags.error(
                                    ErrorCode::ProvidesFieldsMissingExternal,
                                    format!("subgraph \"{name}\": {directive} on field \"{coordinate}\" selects field \"{}.{}\", which is not marked @external", missing.parent, missing.name),
                                );
                            }
                            mark_used(&selected, &mut used_externals);
                        }
                    }
                }
            }
            if let Some((from, _)) = &field.override_from {
                let directive = format!("@override(from: \"{from}\")");
                if ty.kind == Kind::Interface {
                    diags.error(
                        ErrorCode::OverrideOnInterface,
                        format!("subgraph \"{name}\": {directive} on interface field \"{coordinate}\": @override is not supported on interfaces"),
                    );
                }
                if from == name {
                    diags.error(
                        ErrorCode::OverrideFromSelfError,
                        format!("subgraph \"{name}\": {directive} on field \"{coordinate}\" names its own subgraph"),
                    );
                }
                if field.external {
                    diags.error(
                        ErrorCode::OverrideCollisionWithAnotherDirective,
                        format!("subgraph \"{name}\": field \"{coordinate}\" cannot be both @override and @external"),
                    );
                }
            }
        }
    }
    contexts::check(subgraph, &mut used_externals, diags);
    if subgraph.fed2 {
        check_unused_externals(subgraph, &used_externals, diags);
    }
}

fn mark_used(selected: &[Selected<'_>], used: &mut HashSet<(Name, Name)>) {
    for field in selected {
        used.insert((field.parent.clone(), field.name.clone()));
    }
}

/// Each object implementing an interface with a `@key` in this subgraph has that key too.
fn check_interface_key(
    subgraph: &Subgraph,
    interface: &Name,
    fields: &str,
    diags: &mut Diagnostics,
) {
    let normalize = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let wanted = normalize(fields);
    let missing: Vec<&Name> = subgraph
        .types
        .iter()
        .filter(|(_, ty)| ty.kind == Kind::Object && ty.implements.contains(interface))
        .filter(|(_, ty)| !ty.keys.iter().any(|k| normalize(&k.fields) == wanted))
        .map(|(name, _)| name)
        .collect();
    for object in missing {
        diags.error(
            ErrorCode::InterfaceKeyNotOnImplementations,
            format!(
                "subgraph \"{}\": interface \"{interface}\" has @key(fields: \"{fields}\") but its implementation \"{object}\" does not",
                subgraph.name
            ),
        );
    }
}

/// In Federation 2, an `@external` field must serve a key, a requirement, a provided
/// field, or an interface the type implements.
fn check_unused_externals(
    subgraph: &Subgraph,
    used: &HashSet<(Name, Name)>,
    diags: &mut Diagnostics,
) {
    for (type_name, ty) in &subgraph.types {
        for (field_name, field) in &ty.fields {
            if !field.external || used.contains(&(type_name.clone(), field_name.clone())) {
                continue;
            }
            let for_interface = ty.implements.iter().any(|interface| {
                subgraph
                    .types
                    .get(interface)
                    .is_some_and(|i| i.fields.contains_key(field_name))
            });
            if !for_interface {
                diags.error(
                    ErrorCode::ExternalUnused,
                    format!(
                        "subgraph \"{}\": field \"{type_name}.{field_name}\" is @external but no @key, @requires, @provides or context selection uses it",
                        subgraph.name
                    ),
                );
            }
        }
    }
}

/// Types named like the supergraph's join machinery, and elements typed by federation
/// machinery (`link__Purpose`, `_Any`, ...) that composition leaves out, cannot be part of
/// the supergraph.
fn check_names(subgraph: &Subgraph, diags: &mut Diagnostics) {
    let name = &subgraph.name;
    let dropped = |ty: &Name| {
        !subgraph.types.contains_key(ty)
            && !matches!(ty.as_str(), "Int" | "Float" | "String" | "Boolean" | "ID")
    };
    for (type_name, ty) in &subgraph.types {
        if type_name.starts_with("join__") {
            diags.error(
                ErrorCode::InvalidGraphql,
                format!("subgraph \"{name}\": type \"{type_name}\" is named with the prefix \"join__\", which the supergraph reserves for the join spec"),
            );
        }
        for (field_name, field) in &ty.fields {
            let what = if ty.kind == Kind::InputObject {
                "input field"
            } else {
                "field"
            };
            let mut uses = vec![(format!("{what} \"{type_name}.{field_name}\""), &field.ty)];
            for (argument, definition) in &field.arguments {
                uses.push((
                    format!("argument \"{type_name}.{field_name}({argument}:)\""),
                    &definition.ty,
                ));
            }
            for (element, element_type) in uses {
                let base = element_type.inner_named_type();
                if dropped(base) {
                    diags.error(
                        ErrorCode::InvalidGraphql,
                        format!("subgraph \"{name}\": {element} has type \"{base}\", a federation type that is not part of the supergraph"),
                    );
                }
            }
        }
    }
}
