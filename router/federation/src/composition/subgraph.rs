//! One subgraph's SDL read into what composition needs: its types and fields with the
//! federation directives resolved to their meaning, whatever local names the subgraph gives
//! them, root types renamed to `Query`/`Mutation`/`Subscription`, and the federation
//! machinery (`_service`, `_entities`, `_Any`, spec definitions) left out.

use super::definitions;
use super::demand_control::ListSize;
use super::error::{Diagnostics, ErrorCode};
use super::spec::{self, Fed, FedNames, Link};
use super::supergraph_specs;
use apollo_compiler::ast::{self, Definition, OperationType, Type};
use apollo_compiler::validation::DiagnosticList;
use apollo_compiler::{Name, Node, Schema};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};

/// What kind of type a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Scalar => "a scalar",
            Kind::Object => "an object type",
            Kind::Interface => "an interface",
            Kind::Union => "a union",
            Kind::Enum => "an enum",
            Kind::InputObject => "an input object type",
        }
    }
}

/// Directives that pass into the supergraph as they are (merged across subgraphs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Applied {
    pub inaccessible: bool,
    pub tags: Vec<String>,
    pub deprecated: Option<Node<ast::Directive>>,
    pub authenticated: bool,
    pub requires_scopes: Vec<Vec<Vec<String>>>,
    pub policies: Vec<Vec<Vec<String>>>,
    /// Applications of directives listed in `@composeDirective`.
    pub custom: Vec<Node<ast::Directive>>,
    /// `@cost(weight:)`.
    pub cost: Option<i64>,
    pub list_size: Option<ListSize>,
}

#[derive(Debug, Clone)]
pub(crate) struct KeyDef {
    pub fields: String,
    pub resolvable: bool,
}

/// A field of an object or interface, an input field, or an argument.
#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub description: Option<String>,
    pub ty: Type,
    pub arguments: IndexMap<Name, FieldDef>,
    pub default: Option<Node<ast::Value>>,
    pub external: bool,
    pub shareable: bool,
    pub requires: Option<String>,
    pub provides: Option<String>,
    /// `@override(from:, label:)`.
    pub override_from: Option<(String, Option<String>)>,
    /// `@fromContext(field:)` of an argument: `$context { selection }`.
    pub from_context: Option<String>,
    pub applied: Applied,
}

#[derive(Debug, Clone)]
pub(crate) struct ValueDef {
    pub description: Option<String>,
    pub applied: Applied,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub kind: Kind,
    pub description: Option<String>,
    /// Only ever extended (`extend type`) or `@extends` in this subgraph.
    pub extension: bool,
    pub keys: Vec<KeyDef>,
    pub interface_object: bool,
    pub implements: Vec<Name>,
    pub fields: IndexMap<Name, FieldDef>,
    pub members: Vec<Name>,
    pub values: IndexMap<Name, ValueDef>,
    pub specified_by: Option<String>,
    /// The contexts the type sets (`@context(name:)`), by the subgraph's names.
    pub contexts: Vec<String>,
    pub applied: Applied,
}

/// A directive a subgraph asks to keep in the supergraph (`@composeDirective`).
#[derive(Debug, Clone)]
pub(crate) struct ComposedDirective {
    pub name: Name,
    pub link: Link,
    pub definition: Node<ast::DirectiveDefinition>,
}

/// A subgraph, read.
pub(crate) struct Subgraph {
    pub name: String,
    pub url: String,
    pub fed2: bool,
    pub types: IndexMap<Name, TypeDef>,
    /// Original root type names to their normalized ones, where they differ.
    pub renamed_roots: HashMap<Name, Name>,
    pub composed: Vec<ComposedDirective>,
}

impl Subgraph {
    /// The normalized name of a type of the subgraph's schema.
    pub fn normalized<'a>(&'a self, name: &'a Name) -> &'a Name {
        self.renamed_roots.get(name).unwrap_or(name)
    }
}

/// Reads a subgraph; reports what makes it unusable and returns `None` then.
pub(crate) fn read(name: &str, url: &str, sdl: &str, diags: &mut Diagnostics) -> Option<Subgraph> {
    let invalid = |diags: &mut Diagnostics, errors: &DiagnosticList| {
        for error in errors.iter() {
            let json = error.to_json();
            let at = json
                .locations
                .first()
                .map(|l| format!(" (line {}, column {})", l.line, l.column))
                .unwrap_or_default();
            diags.error(
                ErrorCode::InvalidGraphql,
                format!("subgraph \"{name}\": {}{at}", json.message),
            );
        }
    };
    let document = match ast::Document::parse(sdl, format!("{name}.graphql")) {
        Ok(document) => document,
        Err(with_errors) => {
            invalid(diags, &with_errors.errors);
            return None;
        }
    };
    let links = spec::links(&document);
    let (fed2, mut names) = match links.iter().find(|link| link.is_federation()) {
        Some(link) => {
            if !link.version().starts_with("v2.") {
                diags.error(
                    ErrorCode::UnknownFederationLinkVersion,
                    format!(
                        "subgraph \"{name}\": federation version \"{}\" is not supported (v2.x is)",
                        link.version()
                    ),
                );
                return None;
            }
            (true, FedNames::federation2(link))
        }
        None => (false, FedNames::federation1()),
    };
    if fed2 {
        names.add_demand_control_links(&links);
    }

    let mut cleaned = ast::Document::new();
    let mut defined = HashSet::new();
    for definition in &document.definitions {
        if let Some(definition) = clean(definition, &names) {
            if definition.is_extension_definition() {
            } else if let Some(name) = definition.name() {
                defined.insert(name.clone());
            }
            cleaned.definitions.push(definition);
        }
    }
    // Federation gives every subgraph a query root (for `_service`), even one that has
    // only entities; the field is left out again below.
    let has_query_root = cleaned
        .definitions
        .iter()
        .any(|definition| match definition {
            Definition::SchemaDefinition(def) => def
                .root_operations
                .iter()
                .any(|op| op.0 == OperationType::Query),
            Definition::SchemaExtension(ext) => ext
                .root_operations
                .iter()
                .any(|op| op.0 == OperationType::Query),
            Definition::ObjectTypeDefinition(def) => def.name == "Query",
            Definition::ObjectTypeExtension(ext) => ext.name == "Query",
            _ => false,
        });
    let mut machinery = names.definitions();
    if !has_query_root {
        machinery.push_str("type Query { _service: _Service! }\ntype _Service { sdl: String }\n");
    }
    let machinery = ast::Document::parse(machinery, "federation.graphql").unwrap_or_default();
    let schema = Schema::builder()
        .adopt_orphan_extensions()
        .add_ast(&cleaned)
        .add_ast(&machinery)
        .build()
        .and_then(Schema::validate);
    let schema = match schema {
        Ok(schema) => schema,
        Err(with_errors) => {
            invalid(diags, &with_errors.errors);
            return None;
        }
    };

    let mut renamed_roots = HashMap::new();
    for (operation, normal, code) in [
        (OperationType::Query, "Query", ErrorCode::RootQueryUsed),
        (
            OperationType::Mutation,
            "Mutation",
            ErrorCode::RootMutationUsed,
        ),
        (
            OperationType::Subscription,
            "Subscription",
            ErrorCode::RootSubscriptionUsed,
        ),
    ] {
        let Some(root) = schema.root_operation(operation) else {
            continue;
        };
        if root != normal {
            if schema.types.contains_key(normal) {
                diags.error(
                    code,
                    format!(
                        "subgraph \"{name}\": the type \"{normal}\" is not the {} root (\"{root}\" is); rename it",
                        normal.to_lowercase()
                    ),
                );
                return None;
            }
            renamed_roots.insert(root.clone(), Name::new_unchecked(normal));
        }
    }

    let composed = composed_directives(name, &schema, &names, &links, diags);
    let reader = definitions::Reader {
        names: &names,
        renamed_roots: &renamed_roots,
        composed: composed.iter().map(|c| c.name.clone()).collect(),
    };
    let mut types = IndexMap::new();
    for (type_name, ty) in &schema.types {
        if ty.is_built_in() || spec::is_machinery_type(type_name) {
            continue;
        }
        let mut def = reader.read_type(ty);
        def.extension |= !defined.contains(type_name);
        let normalized = renamed_roots.get(type_name).unwrap_or(type_name).clone();
        types.insert(normalized, def);
    }
    Some(Subgraph {
        name: name.to_owned(),
        url: url.to_owned(),
        fed2,
        types,
        renamed_roots,
        composed,
    })
}

/// The definition without federation machinery, or `None` when it is machinery.
fn clean(definition: &Definition, names: &FedNames) -> Option<Definition> {
    if let Definition::DirectiveDefinition(def) = definition {
        let name = def.name.as_str();
        return (!names.is_federation(name)
            && name != "link"
            && !spec::is_built_in_directive(name))
        .then(|| definition.clone());
    }
    if definition
        .name()
        .is_some_and(|name| spec::is_machinery_type(name))
    {
        return None;
    }
    let is_machinery_field = |field: &Node<ast::FieldDefinition>| {
        matches!(field.name.as_str(), "_service" | "_entities")
    };
    Some(match definition {
        Definition::ObjectTypeDefinition(def) => {
            let mut def = def.clone();
            def.make_mut().fields.retain(|f| !is_machinery_field(f));
            Definition::ObjectTypeDefinition(def)
        }
        Definition::ObjectTypeExtension(ext) => {
            let mut ext = ext.clone();
            ext.make_mut().fields.retain(|f| !is_machinery_field(f));
            Definition::ObjectTypeExtension(ext)
        }
        other => other.clone(),
    })
}

fn composed_directives(
    subgraph: &str,
    schema: &Schema,
    names: &FedNames,
    links: &[Link],
    diags: &mut Diagnostics,
) -> Vec<ComposedDirective> {
    let mut composed = Vec::new();
    for directive in schema.schema_definition.directives.iter() {
        if names.get(&directive.name) != Some(Fed::ComposeDirective) {
            continue;
        }
        let Some(requested) = directive
            .specified_argument_by_name("name")
            .and_then(|v| v.as_str())
        else {
            continue;
        };
        let error = |diags: &mut Diagnostics, why: &str| {
            diags.error(
                ErrorCode::DirectiveCompositionError,
                format!("subgraph \"{subgraph}\": cannot compose directive \"{requested}\": {why}"),
            );
        };
        let Some(local) = requested.strip_prefix('@') else {
            error(diags, "the name must start with \"@\"");
            continue;
        };
        if names.is_federation(local) || spec::is_built_in_directive(local) || local == "link" {
            error(diags, "it is a built-in or federation directive");
            continue;
        }
        if supergraph_specs::is_supergraph_directive(local) {
            error(
                diags,
                "the supergraph defines a directive of that name for a federation feature; rename it",
            );
            continue;
        }
        let Some(definition) = schema.directive_definitions.get(local) else {
            error(diags, "the subgraph does not define it");
            continue;
        };
        let link = links
            .iter()
            .filter(|link| !link.is_federation())
            .find(|link| link.imports.iter().any(|(_, l)| l == requested));
        let Some(link) = link else {
            error(
                diags,
                "it is not imported from a spec with @link (e.g. @link(url: \"https://example.com/custom/v1.0\", import: [\"@custom\"]))",
            );
            continue;
        };
        composed.push(ComposedDirective {
            name: definition.name.clone(),
            link: link.clone(),
            definition: definition.clone(),
        });
    }
    composed
}
