//! `@inaccessible` rules: what clients can see must stay a valid schema once the hidden
//! elements are removed (nothing visible refers to a hidden type, nothing required is
//! hidden, no visible type is left empty).

use super::error::{Diagnostics, ErrorCode};
use super::merge::{Merged, MergedField, MergedType};
use super::subgraph::Kind;
use apollo_compiler::Name;
use indexmap::IndexMap;

pub(crate) fn check(merged: &Merged, diags: &mut Diagnostics) {
    let hidden = |name: &Name| {
        merged
            .types
            .get(name)
            .is_some_and(|t| t.applied.inaccessible)
    };
    if merged
        .types
        .get("Query")
        .is_some_and(|q| q.applied.inaccessible)
    {
        diags.error(
            ErrorCode::QueryRootTypeInaccessible,
            "the query root type \"Query\" is @inaccessible; it must be visible",
        );
    }
    for (type_name, ty) in &merged.types {
        if ty.applied.inaccessible {
            continue;
        }
        match ty.kind {
            Kind::Object | Kind::Interface => {
                for (field_name, field) in ty.fields.iter().filter(|(_, f)| !f.applied.inaccessible)
                {
                    let coordinate = format!("{type_name}.{field_name}");
                    let base = field.ty.inner_named_type();
                    if hidden(base) {
                        diags.error(
                            ErrorCode::ReferencedInaccessible,
                            format!("type \"{base}\" is @inaccessible but field \"{coordinate}\", which returns it, is visible"),
                        );
                    }
                    check_input_values(&field.arguments, &coordinate, true, &hidden, diags);
                }
                check_implementations(merged, type_name, ty, diags);
            }
            Kind::InputObject => check_input_values(&ty.fields, type_name, false, &hidden, diags),
            _ => {}
        }
        let (children, all_hidden) = match ty.kind {
            Kind::Object | Kind::Interface | Kind::InputObject => (
                "fields",
                !ty.fields.is_empty() && ty.fields.values().all(|f| f.applied.inaccessible),
            ),
            Kind::Enum => (
                "values",
                !ty.values.is_empty() && ty.values.values().all(|v| v.applied.inaccessible),
            ),
            Kind::Union => (
                "members",
                !ty.members.is_empty() && ty.members.iter().all(|(m, _)| hidden(m)),
            ),
            Kind::Scalar => ("", false),
        };
        if all_hidden {
            diags.error(
                ErrorCode::OnlyInaccessibleChildren,
                format!("type \"{type_name}\" is visible but all its {children} are @inaccessible; make the type @inaccessible too"),
            );
        }
    }
}

/// Arguments (or input fields) of `parent`: visible ones of hidden types, hidden required ones.
fn check_input_values(
    values: &IndexMap<Name, MergedField>,
    parent: &str,
    arguments: bool,
    hidden: &impl Fn(&Name) -> bool,
    diags: &mut Diagnostics,
) {
    for (name, value) in values {
        let coordinate = if arguments {
            format!("{parent}({name}:)")
        } else {
            format!("{parent}.{name}")
        };
        let what = if arguments { "argument" } else { "input field" };
        let base = value.ty.inner_named_type();
        if !value.applied.inaccessible && hidden(base) {
            diags.error(
                ErrorCode::ReferencedInaccessible,
                format!("type \"{base}\" is @inaccessible but {what} \"{coordinate}\", which uses it, is visible"),
            );
        }
        if value.applied.inaccessible && value.ty.is_non_null() && value.default.is_none() {
            diags.error(
                ErrorCode::RequiredInaccessible,
                format!("{what} \"{coordinate}\" is required but @inaccessible: clients could never send it"),
            );
        }
    }
}

/// A visible interface field cannot be hidden in an implementation.
fn check_implementations(
    merged: &Merged,
    type_name: &Name,
    ty: &MergedType,
    diags: &mut Diagnostics,
) {
    for (interface, _) in &ty.implements {
        let Some(interface_type) = merged.types.get(interface) else {
            continue;
        };
        if interface_type.applied.inaccessible {
            continue;
        }
        for (field_name, field) in &interface_type.fields {
            let hidden_here = ty
                .fields
                .get(field_name)
                .is_some_and(|f| f.applied.inaccessible);
            if hidden_here && !field.applied.inaccessible {
                diags.error(
                    ErrorCode::ImplementedByInaccessible,
                    format!("field \"{type_name}.{field_name}\" is @inaccessible but implements the visible interface field \"{interface}.{field_name}\""),
                );
            }
        }
    }
}
