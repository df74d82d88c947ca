//! The public API schema: the supergraph without the join and link machinery, without the
//! directives that only composition and the router use, and without `@inaccessible` elements.

use crate::error::SupergraphError;
use apollo_compiler::schema::{ExtendedType, SchemaDefinition};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Node, Schema};
use std::collections::HashSet;

/// Directives of the federation specs, removed from the API schema wherever they appear.
const SPEC_DIRECTIVES: &[&str] = &[
    "link",
    "inaccessible",
    "tag",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "cost",
    "listSize",
];

pub fn derive(supergraph: &Valid<Schema>) -> Result<Valid<Schema>, SupergraphError> {
    let mut schema: Schema = supergraph.as_ref().clone();
    let inaccessible = spec_directive_name(&schema, "inaccessible");
    let is_machinery = |name: &str| {
        name.starts_with("join__")
            || name.starts_with("link__")
            || name.contains("__")
                && !name.starts_with("__")
                && SPEC_DIRECTIVES
                    .iter()
                    .any(|spec| name.starts_with(&format!("{spec}__")))
    };
    let is_spec_directive =
        |name: &str| SPEC_DIRECTIVES.contains(&name) || name == inaccessible || is_machinery(name);

    // Types hidden with @inaccessible, and the machinery types.
    let hidden: HashSet<Name> = schema
        .types
        .iter()
        .filter(|(name, ty)| is_machinery(name) || ty.directives().has(&inaccessible))
        .map(|(name, _)| name.clone())
        .collect();
    schema.types.retain(|name, _| !hidden.contains(name));
    schema
        .directive_definitions
        .retain(|name, _| !is_spec_directive(name));

    let schema_definition: &mut SchemaDefinition = schema.schema_definition.make_mut();
    schema_definition
        .directives
        .retain(|d| !is_spec_directive(&d.name));

    for ty in schema.types.values_mut() {
        match ty {
            ExtendedType::Object(object) => {
                let object = object.make_mut();
                object.directives.retain(|d| !is_spec_directive(&d.name));
                object
                    .implements_interfaces
                    .retain(|i| !hidden.contains(&i.name));
                object
                    .fields
                    .retain(|_, field| !field.directives.has(&inaccessible));
                for field in object.fields.values_mut() {
                    clean_field(field.make_mut(), &inaccessible, &is_spec_directive);
                }
            }
            ExtendedType::Interface(interface) => {
                let interface = interface.make_mut();
                interface.directives.retain(|d| !is_spec_directive(&d.name));
                interface
                    .implements_interfaces
                    .retain(|i| !hidden.contains(&i.name));
                interface
                    .fields
                    .retain(|_, field| !field.directives.has(&inaccessible));
                for field in interface.fields.values_mut() {
                    clean_field(field.make_mut(), &inaccessible, &is_spec_directive);
                }
            }
            ExtendedType::Union(union) => {
                let union = union.make_mut();
                union.directives.retain(|d| !is_spec_directive(&d.name));
                union
                    .members
                    .retain(|member| !hidden.contains(&member.name));
            }
            ExtendedType::Enum(enumeration) => {
                let enumeration = enumeration.make_mut();
                enumeration
                    .directives
                    .retain(|d| !is_spec_directive(&d.name));
                enumeration
                    .values
                    .retain(|_, value| !value.directives.has(&inaccessible));
                for value in enumeration.values.values_mut() {
                    value
                        .make_mut()
                        .directives
                        .retain(|d| !is_spec_directive(&d.name));
                }
            }
            ExtendedType::InputObject(input) => {
                let input = input.make_mut();
                input.directives.retain(|d| !is_spec_directive(&d.name));
                input
                    .fields
                    .retain(|_, field| !field.directives.has(&inaccessible));
                for field in input.fields.values_mut() {
                    field
                        .make_mut()
                        .directives
                        .retain(|d| !is_spec_directive(&d.name));
                }
            }
            ExtendedType::Scalar(scalar) => {
                scalar
                    .make_mut()
                    .directives
                    .retain(|d| !is_spec_directive(&d.name));
            }
        }
    }
    // Fields whose type was hidden cannot stay.
    for ty in schema.types.values_mut() {
        match ty {
            ExtendedType::Object(object) => object
                .make_mut()
                .fields
                .retain(|_, field| !hidden.contains(field.ty.inner_named_type())),
            ExtendedType::Interface(interface) => interface
                .make_mut()
                .fields
                .retain(|_, field| !hidden.contains(field.ty.inner_named_type())),
            _ => {}
        }
    }
    // Root operations whose type is gone (a root type made entirely of hidden fields).
    let definition = schema.schema_definition.make_mut();
    for root in [&mut definition.mutation, &mut definition.subscription] {
        if root
            .as_ref()
            .is_some_and(|name| hidden.contains(&name.name))
        {
            *root = None;
        }
    }
    schema
        .validate()
        .map_err(|errors| SupergraphError::Invalid(format!("the API schema is invalid: {errors}")))
}

fn clean_field(
    field: &mut apollo_compiler::schema::FieldDefinition,
    inaccessible: &str,
    is_spec_directive: &impl Fn(&str) -> bool,
) {
    field.directives.retain(|d| !is_spec_directive(&d.name));
    field
        .arguments
        .retain(|argument| !argument.directives.has(inaccessible));
    for argument in &mut field.arguments {
        Node::make_mut(argument)
            .directives
            .retain(|d| !is_spec_directive(&d.name));
    }
}

/// The name a spec's main directive has here: `@link(url: ".../inaccessible/v0.2", as: "x")`
/// renames it; otherwise it keeps the spec's name.
fn spec_directive_name(schema: &Schema, spec: &str) -> String {
    schema
        .schema_definition
        .directives
        .get_all("link")
        .find(|link| {
            link.specified_argument_by_name("url")
                .and_then(|url| url.as_str())
                .is_some_and(|url| url.contains(&format!("/{spec}/")))
        })
        .and_then(|link| {
            link.specified_argument_by_name("as")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| spec.to_owned())
}
