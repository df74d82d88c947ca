//! The federation spec as a subgraph uses it: which local names its directives have
//! (`@link(import:)` with `as` renames, `@federation__key` namespacing, Federation 1's bare
//! names), and the definitions added so a subgraph validates even when it omits them.

use apollo_compiler::ast::{Definition, Directive, Document, Value};
use std::collections::HashMap;

/// A federation directive, by its spec name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Fed {
    Key,
    Requires,
    Provides,
    External,
    Shareable,
    Extends,
    Override,
    Inaccessible,
    Tag,
    InterfaceObject,
    ComposeDirective,
    Authenticated,
    RequiresScopes,
    Policy,
    Context,
    FromContext,
    Cost,
    ListSize,
}

pub(crate) const ALL: &[(Fed, &str, &str)] = &[
    (
        Fed::Key,
        "key",
        "(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE",
    ),
    (
        Fed::Requires,
        "requires",
        "(fields: federation__FieldSet!) on FIELD_DEFINITION",
    ),
    (
        Fed::Provides,
        "provides",
        "(fields: federation__FieldSet!) on FIELD_DEFINITION",
    ),
    (
        Fed::External,
        "external",
        "(reason: String) on OBJECT | FIELD_DEFINITION",
    ),
    (
        Fed::Shareable,
        "shareable",
        " repeatable on OBJECT | FIELD_DEFINITION",
    ),
    (Fed::Extends, "extends", " on OBJECT | INTERFACE"),
    (
        Fed::Override,
        "override",
        "(from: String!, label: String) on FIELD_DEFINITION",
    ),
    (Fed::Inaccessible, "inaccessible", INACCESSIBLE_LOCATIONS),
    (Fed::Tag, "tag", TAG_ARGUMENTS_AND_LOCATIONS),
    (Fed::InterfaceObject, "interfaceObject", " on OBJECT"),
    (
        Fed::ComposeDirective,
        "composeDirective",
        "(name: String!) repeatable on SCHEMA",
    ),
    (
        Fed::Authenticated,
        "authenticated",
        " on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        Fed::RequiresScopes,
        "requiresScopes",
        "(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        Fed::Policy,
        "policy",
        "(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        Fed::Context,
        "context",
        "(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    ),
    (
        Fed::FromContext,
        "fromContext",
        "(field: federation__ContextFieldValue) on ARGUMENT_DEFINITION",
    ),
    (
        Fed::Cost,
        "cost",
        "(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    ),
    (
        Fed::ListSize,
        "listSize",
        "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
    ),
];

const INACCESSIBLE_LOCATIONS: &str = " on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION";
const TAG_ARGUMENTS_AND_LOCATIONS: &str = "(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA";

/// Directives of Federation 1 (no `@link`), by their bare names.
const FED1: &[Fed] = &[
    Fed::Key,
    Fed::Requires,
    Fed::Provides,
    Fed::External,
    Fed::Extends,
    Fed::Inaccessible,
    Fed::Tag,
    Fed::Shareable,
    Fed::Override,
];

/// Types the federation and link specs define in a subgraph; never part of the supergraph.
pub(crate) fn is_machinery_type(name: &str) -> bool {
    matches!(
        name,
        "_Any" | "_Service" | "_Entity" | "FieldSet" | "_FieldSet" | "Scope" | "Policy"
    ) || name.starts_with("federation__")
        || name.starts_with("link__")
}

/// Directives the GraphQL spec defines; a subgraph's own definitions of them are dropped.
pub(crate) fn is_built_in_directive(name: &str) -> bool {
    matches!(
        name,
        "include" | "skip" | "deprecated" | "specifiedBy" | "oneOf" | "defer" | "stream"
    )
}

/// A `@link` of a subgraph.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub url: String,
    /// `as:`, or the spec's name from its URL.
    pub namespace: String,
    /// Imported elements: (name in the spec, local name), `@` kept for directives.
    pub imports: Vec<(String, String)>,
}

impl Link {
    pub fn from_directive(directive: &Directive) -> Option<Self> {
        let argument = |name: &str| {
            directive
                .arguments
                .iter()
                .find(|a| a.name == name)
                .map(|a| &a.value)
        };
        let url = argument("url")?.as_str()?.to_owned();
        let namespace = match argument("as").and_then(|v| v.as_str()) {
            Some(name) => name.trim_start_matches('@').to_owned(),
            None => spec_name(&url).to_owned(),
        };
        let mut imports = Vec::new();
        if let Some(Value::List(items)) = argument("import").map(|v| v.as_ref()) {
            for item in items {
                match item.as_ref() {
                    Value::String(name) => imports.push((name.to_string(), name.to_string())),
                    Value::Object(fields) => {
                        let get = |key: &str| {
                            fields
                                .iter()
                                .find(|(k, _)| k == key)
                                .and_then(|(_, v)| v.as_str())
                        };
                        if let Some(name) = get("name") {
                            let local = get("as").unwrap_or(name);
                            imports.push((name.to_owned(), local.to_owned()));
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(Self {
            url,
            namespace,
            imports,
        })
    }

    pub fn is_federation(&self) -> bool {
        self.url.contains("specs.apollo.dev/federation/")
    }

    /// `v2.5` from `https://specs.apollo.dev/federation/v2.5`.
    pub fn version(&self) -> &str {
        self.url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
    }
}

/// The spec name in a link URL: `federation` in `https://specs.apollo.dev/federation/v2.3`.
fn spec_name(url: &str) -> &str {
    let mut parts = url.trim_end_matches('/').rsplit('/');
    let last = parts.next().unwrap_or("");
    if last.starts_with('v') && last[1..].contains('.') {
        parts.next().unwrap_or(last)
    } else {
        last
    }
}

/// Every `@link` on the schema definition and extensions of a document.
pub(crate) fn links(document: &Document) -> Vec<Link> {
    let mut links = Vec::new();
    for definition in &document.definitions {
        let directives = match definition {
            Definition::SchemaDefinition(def) => &def.directives,
            Definition::SchemaExtension(ext) => &ext.directives,
            _ => continue,
        };
        links.extend(
            directives
                .iter()
                .filter(|d| d.name == "link")
                .filter_map(|d| Link::from_directive(d)),
        );
    }
    links
}

/// The local names of federation directives in one subgraph.
#[derive(Debug, Clone, Default)]
pub(crate) struct FedNames {
    by_local: HashMap<String, Fed>,
}

impl FedNames {
    /// Federation 2: imported names (renamed with `as`), and `<namespace>__<name>` for all.
    pub fn federation2(link: &Link) -> Self {
        let mut by_local = HashMap::new();
        for (fed, name, _) in ALL {
            by_local.insert(format!("{}__{name}", link.namespace), *fed);
        }
        for (name, local) in &link.imports {
            let (Some(name), Some(local)) = (name.strip_prefix('@'), local.strip_prefix('@'))
            else {
                continue;
            };
            if let Some((fed, _, _)) = ALL.iter().find(|(_, n, _)| *n == name) {
                by_local.insert(local.to_owned(), *fed);
            }
        }
        Self { by_local }
    }

    /// Demand control directives linked from their own specs rather than the federation
    /// one (`@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost"])`, and
    /// `listSize/v0.1`): each spec's own directive goes by the spec's name, the others by
    /// their import or `<namespace>__<name>`.
    pub fn add_demand_control_links(&mut self, links: &[Link]) {
        for link in links {
            let own = match link.url.split('/').rev().nth(1) {
                Some("cost") if link.url.contains("specs.apollo.dev/") => Fed::Cost,
                Some("listSize") if link.url.contains("specs.apollo.dev/") => Fed::ListSize,
                _ => continue,
            };
            for fed in [Fed::Cost, Fed::ListSize] {
                let name = supergraph_name(fed);
                let local = if fed == own {
                    link.namespace.clone()
                } else {
                    format!("{}__{name}", link.namespace)
                };
                self.by_local.insert(local, fed);
            }
            for (name, local) in &link.imports {
                match (name.strip_prefix('@'), local.strip_prefix('@')) {
                    (Some("cost"), Some(local)) => {
                        self.by_local.insert(local.to_owned(), Fed::Cost)
                    }
                    (Some("listSize"), Some(local)) => {
                        self.by_local.insert(local.to_owned(), Fed::ListSize)
                    }
                    _ => None,
                };
            }
        }
    }

    /// Federation 1: the bare names.
    pub fn federation1() -> Self {
        let by_local = ALL
            .iter()
            .filter(|(fed, _, _)| FED1.contains(fed))
            .map(|(fed, name, _)| ((*name).to_owned(), *fed))
            .collect();
        Self { by_local }
    }

    pub fn get(&self, local: &str) -> Option<Fed> {
        self.by_local.get(local).copied()
    }

    pub fn is_federation(&self, local: &str) -> bool {
        self.by_local.contains_key(local)
    }

    /// Definitions of every federation directive under its local names, and the scalars
    /// and link machinery they use, to validate the subgraph with.
    pub fn definitions(&self) -> String {
        let mut sdl = String::from(
            "scalar federation__FieldSet\nscalar federation__Scope\nscalar federation__Policy\n\
             scalar federation__ContextFieldValue\nscalar link__Import\n\
             enum link__Purpose { SECURITY EXECUTION }\n\
             directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA\n",
        );
        let mut locals: Vec<(&String, &Fed)> = self.by_local.iter().collect();
        locals.sort_by(|a, b| a.0.cmp(b.0));
        for (local, fed) in locals {
            if let Some((_, _, signature)) = ALL.iter().find(|(f, _, _)| f == fed) {
                sdl.push_str(&format!("directive @{local}{signature}\n"));
            }
        }
        sdl
    }
}

/// The name a federation directive has in the supergraph.
pub(crate) fn supergraph_name(fed: Fed) -> &'static str {
    ALL.iter()
        .find(|(f, _, _)| *f == fed)
        .map_or("", |(_, name, _)| name)
}
