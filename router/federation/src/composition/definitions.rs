//! A subgraph's type definitions read into composition's model: federation directives
//! resolved by their local names, pass-through directives collected, root types renamed.

use super::demand_control::{self, ListSize};
use super::spec::{Fed, FedNames};
use super::subgraph::{Applied, FieldDef, KeyDef, Kind, TypeDef, ValueDef};
use apollo_compiler::ast::{self, Type};
use apollo_compiler::schema::{ComponentOrigin, ExtendedType};
use apollo_compiler::{Name, Node};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};

pub(crate) struct Reader<'a> {
    pub names: &'a FedNames,
    pub renamed_roots: &'a HashMap<Name, Name>,
    pub composed: HashSet<Name>,
}

impl Reader<'_> {
    fn rename(&self, name: &Name) -> Name {
        self.renamed_roots.get(name).unwrap_or(name).clone()
    }

    fn rename_type(&self, ty: &Type) -> Type {
        match ty {
            Type::Named(n) => Type::Named(self.rename(n)),
            Type::NonNullNamed(n) => Type::NonNullNamed(self.rename(n)),
            Type::List(inner) => Type::List(Box::new(self.rename_type(inner))),
            Type::NonNullList(inner) => Type::NonNullList(Box::new(self.rename_type(inner))),
        }
    }

    /// The pass-through directives of an element, and its federation directives.
    fn applied<'d>(
        &self,
        directives: impl Iterator<Item = &'d Node<ast::Directive>>,
    ) -> (Applied, Vec<(Fed, &'d Node<ast::Directive>)>) {
        let mut applied = Applied::default();
        let mut federation = Vec::new();
        for directive in directives {
            match self.names.get(&directive.name) {
                Some(Fed::Inaccessible) => applied.inaccessible = true,
                Some(Fed::Tag) => {
                    if let Some(tag) = string_argument(directive, "name") {
                        applied.tags.push(tag);
                    }
                }
                Some(Fed::Authenticated) => applied.authenticated = true,
                Some(Fed::RequiresScopes) => {
                    applied
                        .requires_scopes
                        .push(nested_strings(directive, "scopes"));
                }
                Some(Fed::Policy) => applied.policies.push(nested_strings(directive, "policies")),
                Some(Fed::Cost) => {
                    applied.cost = applied.cost.max(demand_control::read_weight(directive))
                }
                Some(Fed::ListSize) => applied.list_size = Some(ListSize::read(directive)),
                Some(fed) => federation.push((fed, directive)),
                None if directive.name == "deprecated" => {
                    applied.deprecated = Some(directive.clone())
                }
                None if self.composed.contains(&directive.name) => {
                    applied.custom.push(directive.clone())
                }
                None => {}
            }
        }
        (applied, federation)
    }

    pub fn read_type(&self, ty: &ExtendedType) -> TypeDef {
        let (applied, federation) = self.applied(ty.directives().iter().map(|c| &c.node));
        let mut def = TypeDef {
            kind: Kind::Scalar,
            description: ty.description().map(|d| d.to_string()),
            extension: false,
            keys: Vec::new(),
            interface_object: false,
            implements: Vec::new(),
            fields: IndexMap::new(),
            members: Vec::new(),
            values: IndexMap::new(),
            specified_by: None,
            contexts: Vec::new(),
            applied,
        };
        let mut external_type = false;
        for (fed, directive) in federation {
            match fed {
                Fed::Key => def.keys.push(KeyDef {
                    fields: string_argument(directive, "fields").unwrap_or_default(),
                    resolvable: bool_argument(directive, "resolvable").unwrap_or(true),
                }),
                Fed::InterfaceObject => def.interface_object = true,
                Fed::Extends => def.extension = true,
                Fed::External => external_type = true,
                Fed::Context => def.contexts.extend(string_argument(directive, "name")),
                _ => {}
            }
        }
        // `@shareable` on a type applies to the fields of that definition or extension.
        let shareable_origins: Vec<&ComponentOrigin> = ty
            .directives()
            .iter()
            .filter(|d| self.names.get(&d.name) == Some(Fed::Shareable))
            .map(|d| &d.origin)
            .collect();
        let field_shareable = |origin: &ComponentOrigin| shareable_origins.contains(&origin);
        match ty {
            ExtendedType::Scalar(scalar) => {
                def.specified_by = scalar
                    .directives
                    .get("specifiedBy")
                    .and_then(|d| string_argument(d, "url"));
            }
            ExtendedType::Object(object) => {
                def.kind = Kind::Object;
                def.implements = object
                    .implements_interfaces
                    .iter()
                    .map(|i| i.name.clone())
                    .collect();
                for (name, field) in &object.fields {
                    if name == "_service" {
                        continue;
                    }
                    let mut read = self.read_field(field);
                    read.shareable |= field_shareable(&field.origin);
                    read.external |= external_type;
                    def.fields.insert(name.clone(), read);
                }
            }
            ExtendedType::Interface(interface) => {
                def.kind = Kind::Interface;
                def.implements = interface
                    .implements_interfaces
                    .iter()
                    .map(|i| i.name.clone())
                    .collect();
                for (name, field) in &interface.fields {
                    def.fields.insert(name.clone(), self.read_field(field));
                }
            }
            ExtendedType::Union(union) => {
                def.kind = Kind::Union;
                def.members = union.members.iter().map(|m| self.rename(&m.name)).collect();
            }
            ExtendedType::Enum(enumeration) => {
                def.kind = Kind::Enum;
                for (name, value) in &enumeration.values {
                    let (applied, _) = self.applied(value.directives.iter());
                    def.values.insert(
                        name.clone(),
                        ValueDef {
                            description: value.description.as_ref().map(|d| d.to_string()),
                            applied,
                        },
                    );
                }
            }
            ExtendedType::InputObject(input) => {
                def.kind = Kind::InputObject;
                for (name, field) in &input.fields {
                    def.fields
                        .insert(name.clone(), self.read_input_value(field));
                }
            }
        }
        def
    }

    fn read_field(&self, field: &ast::FieldDefinition) -> FieldDef {
        let (applied, federation) = self.applied(field.directives.iter());
        let mut def = FieldDef {
            description: field.description.as_ref().map(|d| d.to_string()),
            ty: self.rename_type(&field.ty),
            arguments: IndexMap::new(),
            default: None,
            external: false,
            shareable: false,
            requires: None,
            provides: None,
            override_from: None,
            from_context: None,
            applied,
        };
        for (fed, directive) in federation {
            match fed {
                Fed::External => def.external = true,
                Fed::Shareable => def.shareable = true,
                Fed::Requires => def.requires = string_argument(directive, "fields"),
                Fed::Provides => def.provides = string_argument(directive, "fields"),
                Fed::Override => {
                    if let Some(from) = string_argument(directive, "from") {
                        def.override_from = Some((from, string_argument(directive, "label")));
                    }
                }
                _ => {}
            }
        }
        for argument in &field.arguments {
            def.arguments
                .insert(argument.name.clone(), self.read_input_value(argument));
        }
        def
    }

    fn read_input_value(&self, value: &ast::InputValueDefinition) -> FieldDef {
        let (applied, federation) = self.applied(value.directives.iter());
        let from_context = federation
            .iter()
            .find(|(fed, _)| *fed == Fed::FromContext)
            .map(|(_, directive)| string_argument(directive, "field").unwrap_or_default());
        FieldDef {
            description: value.description.as_ref().map(|d| d.to_string()),
            ty: self.rename_type(&value.ty),
            arguments: IndexMap::new(),
            default: value.default_value.clone(),
            external: false,
            shareable: false,
            requires: None,
            provides: None,
            override_from: None,
            from_context,
            applied,
        }
    }
}

pub(crate) fn string_argument(directive: &ast::Directive, name: &str) -> Option<String> {
    directive
        .specified_argument_by_name(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn bool_argument(directive: &ast::Directive, name: &str) -> Option<bool> {
    match directive
        .specified_argument_by_name(name)
        .map(|v| v.as_ref())
    {
        Some(ast::Value::Boolean(value)) => Some(*value),
        _ => None,
    }
}

/// `[["a", "b"], ["c"]]` as nested strings (a list of alternatives of requirements).
fn nested_strings(directive: &ast::Directive, name: &str) -> Vec<Vec<String>> {
    let Some(ast::Value::List(outer)) = directive
        .specified_argument_by_name(name)
        .map(|v| v.as_ref())
    else {
        return Vec::new();
    };
    outer
        .iter()
        .map(|inner| match inner.as_ref() {
            ast::Value::List(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            ast::Value::String(s) => vec![s.to_string()],
            _ => Vec::new(),
        })
        .collect()
}
