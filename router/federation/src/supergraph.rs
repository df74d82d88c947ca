//! The supergraph as the planner sees it: which subgraphs exist, where each type and field
//! lives, and the keys, `@requires`, `@provides`, `@external` and `@override` facts the
//! join spec records, read from a supergraph SDL (`@link` to `join/v0.3` and later).

use crate::api_schema;
use crate::context::{self, ContextArgument};
use crate::error::SupergraphError;
use crate::operation::{SelectionSet, convert_selection_set};
use apollo_compiler::ast::Value;
use apollo_compiler::executable::FieldSet;
use apollo_compiler::schema::{Directive, ExtendedType, Implementers};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::Arc;

/// Index of a subgraph in [`Supergraph::graphs`].
pub type GraphId = usize;

/// One subgraph, as `join__Graph` names it.
#[derive(Debug, Clone)]
pub struct Graph {
    /// The name composition gave it (`@join__graph(name:)`), used in plans and errors.
    pub name: String,
    pub url: String,
    /// Its value in the `join__Graph` enum.
    pub enum_value: Name,
}

/// An `@key` of an entity in one subgraph.
#[derive(Debug, Clone)]
pub struct Key {
    pub selection: SelectionSet,
    /// `false` for keys a subgraph uses only to reference the entity.
    pub resolvable: bool,
}

/// A type as defined in one subgraph.
#[derive(Debug, Clone)]
pub struct TypeInGraph {
    pub graph: GraphId,
    pub keys: Vec<Key>,
    /// The subgraph defines this interface as an object type (`@interfaceObject`).
    pub interface_object: bool,
}

/// A field as defined in one subgraph.
#[derive(Debug, Clone)]
pub struct FieldInGraph {
    pub graph: GraphId,
    pub requires: Option<SelectionSet>,
    pub provides: Option<SelectionSet>,
    /// Declared `@external`: the subgraph cannot resolve it (unless provided).
    pub external: bool,
    /// When another subgraph's `@override` takes the field from this one: kept in the
    /// schema, not resolved here.
    pub overridden: Overridden,
    /// Arguments the router supplies from a context (`@fromContext`).
    pub context_arguments: Vec<ContextArgument>,
}

/// When a field's definition in one subgraph is set aside by an `@override`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overridden {
    Never,
    Always,
    /// A progressive override (`@override(label:)`): set aside while the label is on (the
    /// subgraph overridden) or while it is off (the overriding subgraph).
    WhileOn(usize),
    WhileOff(usize),
}

impl Overridden {
    fn applies(self, labels: Labels) -> bool {
        match self {
            Self::Never => false,
            Self::Always => true,
            Self::WhileOn(label) => labels.is_on(label),
            Self::WhileOff(label) => !labels.is_on(label),
        }
    }
}

/// The progressive `@override` labels switched on for a request: bit `i` is label `i` of
/// [`Supergraph::override_labels`]. All off by default: overridden fields stay where they
/// were until their label turns on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Labels(u64);

impl Labels {
    /// Labels beyond the 64th are never on.
    pub fn with(self, label: usize) -> Self {
        if label < 64 {
            Self(self.0 | 1 << label)
        } else {
            self
        }
    }

    pub fn is_on(self, label: usize) -> bool {
        label < 64 && self.0 & (1 << label) != 0
    }
}

/// Where a field can be resolved.
#[derive(Debug, Clone)]
pub enum FieldSources {
    /// No `@join__field`: every subgraph that defines the parent type resolves it.
    EverywhereTheTypeIs,
    /// A bare `@join__field` on an object type: the field comes from an interface the type
    /// implements, resolved by a subgraph where that interface is an `@interfaceObject`.
    ThroughInterfaceObject,
    Graphs(Vec<FieldInGraph>),
}

#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub graphs: Vec<TypeInGraph>,
    pub fields: IndexMap<Name, FieldSources>,
    /// Interfaces an object or interface implements, per subgraph.
    pub implements: HashMap<GraphId, Vec<Name>>,
    /// Members of a union, per subgraph.
    pub union_members: HashMap<GraphId, Vec<Name>>,
    /// The contexts the type sets (`@context(name:)`).
    pub contexts: Vec<String>,
}

/// A parsed and indexed supergraph.
pub struct Supergraph {
    /// The supergraph schema itself (join and link machinery included).
    pub schema: Valid<Schema>,
    /// The public API: what clients see and are validated against.
    pub api: Valid<Schema>,
    pub api_implementers: apollo_compiler::collections::HashMap<Name, Implementers>,
    pub graphs: Vec<Graph>,
    types: HashMap<Name, TypeInfo>,
    /// Every type implementing an interface or in a union, in the supergraph.
    possible_types: HashMap<Name, Vec<Name>>,
    /// The labels of progressive overrides (`@join__field(overrideLabel:)`), each once.
    pub override_labels: Vec<String>,
}

/// The names the join spec's elements have in this supergraph (`@link(as:)` may rename).
struct JoinNames {
    graph_enum: String,
    graph: String,
    ty: String,
    field: String,
    implements: String,
    union_member: String,
    /// `@context` (its own spec, `context/v0.1`).
    context: String,
}

impl JoinNames {
    fn from_schema(schema: &Schema) -> Result<Self, SupergraphError> {
        let link = schema
            .schema_definition
            .directives
            .get_all("link")
            .find(|link| {
                link.specified_argument_by_name("url")
                    .and_then(|url| url.as_str())
                    .is_some_and(|url| url.contains("specs.apollo.dev/join/"))
            })
            .ok_or(SupergraphError::NotASupergraph(
                "no @link to the join spec (https://specs.apollo.dev/join/v0.3)",
            ))?;
        let url = link
            .specified_argument_by_name("url")
            .and_then(|url| url.as_str())
            .unwrap_or_default();
        let version = url.rsplit('/').next().unwrap_or_default();
        if !matches!(version, "v0.2" | "v0.3" | "v0.4" | "v0.5") {
            return Err(SupergraphError::UnsupportedJoinVersion(version.to_owned()));
        }
        let prefix = link
            .specified_argument_by_name("as")
            .and_then(|name| name.as_str())
            .unwrap_or("join")
            .to_owned();
        Ok(Self {
            graph_enum: format!("{prefix}__Graph"),
            graph: format!("{prefix}__graph"),
            ty: format!("{prefix}__type"),
            field: format!("{prefix}__field"),
            implements: format!("{prefix}__implements"),
            union_member: format!("{prefix}__unionMember"),
            context: context::directive_name(schema),
        })
    }
}

impl Supergraph {
    /// Reads a supergraph SDL.
    pub fn parse(sdl: &str) -> Result<Self, SupergraphError> {
        let schema = Schema::parse_and_validate(sdl, "supergraph.graphql")
            .map_err(|err| SupergraphError::Invalid(err.errors.to_string()))?;
        let names = JoinNames::from_schema(&schema)?;
        let graphs = read_graphs(&schema, &names)?;
        let graph_ids: HashMap<Name, GraphId> = graphs
            .iter()
            .enumerate()
            .map(|(id, graph)| (graph.enum_value.clone(), id))
            .collect();

        let mut types = HashMap::new();
        let mut override_labels = Vec::new();
        for (name, ty) in &schema.types {
            if ty.is_built_in() || name.starts_with("join__") || name.starts_with("link__") {
                continue;
            }
            let info = read_type(
                &schema,
                &names,
                &graphs,
                &graph_ids,
                name,
                ty,
                &mut override_labels,
            )?;
            types.insert(name.clone(), info);
        }

        let mut possible_types: HashMap<Name, Vec<Name>> = HashMap::new();
        for (name, ty) in &schema.types {
            match ty {
                ExtendedType::Object(object) => {
                    for interface in &object.implements_interfaces {
                        possible_types
                            .entry(interface.name.clone())
                            .or_default()
                            .push(name.clone());
                    }
                }
                ExtendedType::Union(union) => {
                    let members = union.members.iter().map(|m| m.name.clone()).collect();
                    possible_types.insert(name.clone(), members);
                }
                _ => {}
            }
        }

        let api = api_schema::derive(&schema)?;
        let api_implementers = api.implementers_map();
        Ok(Self {
            schema,
            api,
            api_implementers,
            graphs,
            types,
            possible_types,
            override_labels,
        })
    }

    pub fn graph(&self, id: GraphId) -> &Graph {
        &self.graphs[id]
    }

    pub fn graph_by_name(&self, name: &str) -> Option<GraphId> {
        self.graphs.iter().position(|graph| graph.name == name)
    }

    pub fn type_info(&self, ty: &str) -> Option<&TypeInfo> {
        self.types.get(ty)
    }

    /// Whether subgraph `graph` defines the type.
    pub fn type_in_graph(&self, ty: &str, graph: GraphId) -> bool {
        match self.types.get(ty) {
            Some(info) => info.graphs.is_empty() || info.graphs.iter().any(|t| t.graph == graph),
            // Built-in scalars and introspection types are everywhere.
            None => true,
        }
    }

    /// How `graph` defines `ty`, when it does with a `@join__type`.
    pub fn type_definition_in(&self, ty: &str, graph: GraphId) -> Option<&TypeInGraph> {
        self.types.get(ty)?.graphs.iter().find(|t| t.graph == graph)
    }

    /// The keys `graph` can resolve `ty` by, through `_entities`.
    pub fn resolvable_keys(&self, ty: &str, graph: GraphId) -> impl Iterator<Item = &Key> {
        self.type_definition_in(ty, graph)
            .into_iter()
            .flat_map(|t| t.keys.iter())
            .filter(|key| key.resolvable)
    }

    /// Every key of `ty` in `graph`, resolvable or not.
    pub fn keys(&self, ty: &str, graph: GraphId) -> impl Iterator<Item = &Key> {
        self.type_definition_in(ty, graph)
            .into_iter()
            .flat_map(|t| t.keys.iter())
    }

    /// Whether `ty` is an entity somewhere (has a key in some subgraph).
    pub fn is_entity(&self, ty: &str) -> bool {
        self.types
            .get(ty)
            .is_some_and(|info| info.graphs.iter().any(|t| !t.keys.is_empty()))
    }

    /// How `graph` resolves `ty.field`, or `None` when it cannot (absent, external,
    /// overridden). `__typename` resolves everywhere. Progressive overrides as with every
    /// label off.
    pub fn field_in_graph(
        &self,
        ty: &str,
        field: &str,
        graph: GraphId,
    ) -> Option<FieldResolution<'_>> {
        self.field_in_graph_with(ty, field, graph, Labels::default())
    }

    /// [`Self::field_in_graph`] with the progressive override `labels` of a request.
    pub fn field_in_graph_with(
        &self,
        ty: &str,
        field: &str,
        graph: GraphId,
        labels: Labels,
    ) -> Option<FieldResolution<'_>> {
        if field == "__typename" {
            return Some(FieldResolution::default());
        }
        let info = self.types.get(ty)?;
        match info.fields.get(field)? {
            FieldSources::EverywhereTheTypeIs => {
                self.type_in_graph(ty, graph).then(FieldResolution::default)
            }
            FieldSources::ThroughInterfaceObject => None,
            FieldSources::Graphs(sources) => sources
                .iter()
                .find(|source| {
                    source.graph == graph && !source.external && !source.overridden.applies(labels)
                })
                .map(|source| FieldResolution {
                    requires: source.requires.as_ref(),
                    provides: source.provides.as_ref(),
                }),
        }
    }

    /// The subgraphs that resolve `ty.field` under `labels`, in declaration order.
    pub fn graphs_resolving(&self, ty: &str, field: &str, labels: Labels) -> Vec<GraphId> {
        (0..self.graphs.len())
            .filter(|graph| {
                self.field_in_graph_with(ty, field, *graph, labels)
                    .is_some()
            })
            .collect()
    }

    /// Object types that an abstract type can be at runtime, in the supergraph.
    pub fn possible_types(&self, ty: &str) -> Vec<Name> {
        match self.schema.types.get(ty) {
            Some(ExtendedType::Object(_)) => vec![Name::new_unchecked(ty)],
            // A valid schema lists every interface an object implements, inherited ones
            // included, so the direct implementers are all of them.
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                self.possible_types.get(ty).cloned().unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// Object types that an abstract type can be at runtime *in one subgraph*: what that
    /// subgraph may return there.
    pub fn possible_types_in_graph(&self, ty: &str, graph: GraphId) -> Vec<Name> {
        let info = self.types.get(ty);
        match self.schema.types.get(ty) {
            Some(ExtendedType::Union(_)) => match info.and_then(|i| i.union_members.get(&graph)) {
                Some(members) => members.clone(),
                None if info.is_some_and(|i| i.union_members.is_empty()) => self.possible_types(ty),
                None => Vec::new(),
            },
            Some(ExtendedType::Interface(_)) if self.is_interface_object(ty, graph) => {
                vec![Name::new_unchecked(ty)]
            }
            Some(ExtendedType::Interface(_)) => self
                .possible_types(ty)
                .into_iter()
                .filter(|object| {
                    self.type_in_graph(object, graph) && self.implements_in_graph(object, ty, graph)
                })
                .collect(),
            Some(ExtendedType::Object(_)) => vec![Name::new_unchecked(ty)],
            _ => Vec::new(),
        }
    }

    fn implements_in_graph(&self, object: &str, interface: &str, graph: GraphId) -> bool {
        match self.types.get(object) {
            Some(info) if !info.implements.is_empty() => info
                .implements
                .get(&graph)
                .is_some_and(|interfaces| interfaces.iter().any(|i| i == interface)),
            _ => true,
        }
    }

    /// Whether `graph` defines the interface `ty` as an object type (`@interfaceObject`).
    pub fn is_interface_object(&self, ty: &str, graph: GraphId) -> bool {
        self.type_definition_in(ty, graph)
            .is_some_and(|t| t.interface_object)
    }

    /// How `field` of the object type `object` can be resolved through an interface object:
    /// the interfaces `object` implements that some subgraph defines as `@interfaceObject`
    /// with that field, with those subgraphs.
    pub fn interface_object_routes(&self, object: &str, field: &str) -> Vec<(Name, GraphId)> {
        let Some(ExtendedType::Object(definition)) = self.schema.types.get(object) else {
            return Vec::new();
        };
        let mut routes = Vec::new();
        for interface in &definition.implements_interfaces {
            for graph in 0..self.graphs.len() {
                if self.is_interface_object(&interface.name, graph)
                    && self.field_in_graph(&interface.name, field, graph).is_some()
                {
                    routes.push((interface.name.clone(), graph));
                }
            }
        }
        routes
    }

    /// Whether `ty` is an interface or a union.
    pub fn is_abstract(&self, ty: &str) -> bool {
        matches!(
            self.schema.types.get(ty),
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }

    /// Whether an object of type `object` matches a type condition `condition`.
    pub fn type_matches(&self, object: &str, condition: &str) -> bool {
        object == condition
            || self
                .possible_types
                .get(condition)
                .is_some_and(|types| types.iter().any(|t| t == object))
    }

    /// The arguments `graph` takes from contexts for `ty.field` (none for most fields).
    pub fn context_arguments(&self, ty: &str, field: &str, graph: GraphId) -> &[ContextArgument] {
        match self.types.get(ty).and_then(|info| info.fields.get(field)) {
            Some(FieldSources::Graphs(sources)) => sources
                .iter()
                .find(|source| source.graph == graph)
                .map_or(&[], |source| source.context_arguments.as_slice()),
            _ => &[],
        }
    }

    /// Whether `ty.field` takes a context argument in some subgraph.
    pub fn has_context_arguments(&self, ty: &str, field: &str) -> bool {
        (0..self.graphs.len()).any(|graph| !self.context_arguments(ty, field, graph).is_empty())
    }

    /// The object and interface types that set `context`.
    pub fn types_setting(&self, context: &str) -> Vec<Name> {
        let mut types: Vec<Name> = self
            .types
            .iter()
            .filter(|(_, info)| info.contexts.iter().any(|c| c == context))
            .map(|(name, _)| name.clone())
            .collect();
        types.sort();
        types
    }

    /// `source` (a field set, without braces) parsed on `ty`.
    pub fn parse_field_set(
        &self,
        ty: &Name,
        source: &str,
    ) -> Result<SelectionSet, SupergraphError> {
        field_set(&self.schema, ty, source)
    }

    /// The root type names of the supergraph.
    pub fn root_type(&self, kind: apollo_compiler::executable::OperationType) -> Option<&Name> {
        self.schema.root_operation(kind)
    }
}

/// How a subgraph resolves one field.
#[derive(Debug, Default, Clone, Copy)]
pub struct FieldResolution<'a> {
    pub requires: Option<&'a SelectionSet>,
    pub provides: Option<&'a SelectionSet>,
}

fn read_graphs(schema: &Schema, names: &JoinNames) -> Result<Vec<Graph>, SupergraphError> {
    let Some(ExtendedType::Enum(graph_enum)) = schema.types.get(names.graph_enum.as_str()) else {
        return Err(SupergraphError::NotASupergraph("no join__Graph enum"));
    };
    graph_enum
        .values
        .iter()
        .map(|(value, definition)| {
            let directive = definition.directives.get(&names.graph).ok_or_else(|| {
                SupergraphError::Malformed(format!("graph {value} has no @join__graph"))
            })?;
            Ok(Graph {
                name: string_argument(directive, "name")
                    .unwrap_or_else(|| value.as_str().to_lowercase()),
                url: string_argument(directive, "url").unwrap_or_default(),
                enum_value: value.clone(),
            })
        })
        .collect()
}

fn read_type(
    schema: &Valid<Schema>,
    names: &JoinNames,
    graphs: &[Graph],
    graph_ids: &HashMap<Name, GraphId>,
    name: &Name,
    ty: &ExtendedType,
    labels: &mut Vec<String>,
) -> Result<TypeInfo, SupergraphError> {
    let graph_of = |directive: &Directive| -> Result<Option<GraphId>, SupergraphError> {
        match directive.specified_argument_by_name("graph") {
            None => Ok(None),
            Some(value) => {
                let value = value.as_enum().ok_or_else(|| {
                    SupergraphError::Malformed(format!("bad graph argument on {name}"))
                })?;
                graph_ids.get(value).copied().map(Some).ok_or_else(|| {
                    SupergraphError::Malformed(format!("unknown graph {value} on {name}"))
                })
            }
        }
    };

    let mut info = TypeInfo {
        graphs: Vec::new(),
        fields: IndexMap::new(),
        implements: HashMap::new(),
        union_members: HashMap::new(),
        contexts: context::contexts_set(ty.directives().get_all(&names.context)),
    };
    for directive in ty.directives().get_all(&names.ty) {
        let Some(graph) = graph_of(directive)? else {
            continue;
        };
        let key = string_argument(directive, "key");
        let resolvable = bool_argument(directive, "resolvable").unwrap_or(true);
        let interface_object = bool_argument(directive, "isInterfaceObject").unwrap_or(false);
        let entry = match info.graphs.iter_mut().position(|t| t.graph == graph) {
            Some(index) => &mut info.graphs[index],
            None => {
                info.graphs.push(TypeInGraph {
                    graph,
                    keys: Vec::new(),
                    interface_object,
                });
                info.graphs
                    .last_mut()
                    .ok_or(SupergraphError::Malformed(String::new()))?
            }
        };
        entry.interface_object |= interface_object;
        if let Some(key) = key {
            let selection = field_set(schema, name, &key)?;
            entry.keys.push(Key {
                selection,
                resolvable,
            });
        }
    }
    for directive in ty.directives().get_all(&names.implements) {
        if let (Some(graph), Some(interface)) = (
            graph_of(directive)?,
            string_argument(directive, "interface"),
        ) {
            info.implements.entry(graph).or_default().push(
                Name::new(&interface).map_err(|_| SupergraphError::Malformed(interface.clone()))?,
            );
        }
    }
    for directive in ty.directives().get_all(&names.union_member) {
        if let (Some(graph), Some(member)) =
            (graph_of(directive)?, string_argument(directive, "member"))
        {
            info.union_members
                .entry(graph)
                .or_default()
                .push(Name::new(&member).map_err(|_| SupergraphError::Malformed(member.clone()))?);
        }
    }

    let fields = match ty {
        ExtendedType::Object(object) => Some(&object.fields),
        ExtendedType::Interface(interface) => Some(&interface.fields),
        _ => None,
    };
    for (field_name, field) in fields.into_iter().flatten() {
        let directives: Vec<_> = field.directives.get_all(&names.field).collect();
        let mut sources = Vec::new();
        for directive in &directives {
            let Some(graph) = graph_of(directive)? else {
                continue;
            };
            let field_type = field.ty.inner_named_type();
            let parse = |argument: &str| -> Result<Option<SelectionSet>, SupergraphError> {
                string_argument(directive, argument)
                    .map(|source| field_set(schema, field_type, &source))
                    .transpose()
            };
            sources.push(FieldInGraph {
                graph,
                requires: string_argument(directive, "requires")
                    .map(|source| field_set(schema, name, &source))
                    .transpose()?,
                provides: parse("provides")?,
                external: bool_argument(directive, "external").unwrap_or(false),
                overridden: Overridden::Never,
                context_arguments: context::context_arguments(
                    directive,
                    &format!("{name}.{field_name}"),
                )?,
            });
        }
        // `@join__field(override: "A")` in B: A's definition no longer resolves the field.
        // With `overrideLabel`, only while the label is on; while it is off, B's does not.
        let mut progressive = false;
        for directive in &directives {
            if let Some(from) = string_argument(directive, "override") {
                let from = from
                    .split_once(':')
                    .map_or(from.as_str(), |(graph, _)| graph)
                    .to_owned();
                let label = string_argument(directive, "overrideLabel").map(|label| {
                    labels.iter().position(|l| *l == label).unwrap_or_else(|| {
                        labels.push(label);
                        labels.len() - 1
                    })
                });
                progressive |= label.is_some();
                let overrider = graph_of(directive)?;
                for source in &mut sources {
                    let graph = &graphs[source.graph];
                    if graph.name == from || graph.enum_value.as_str().eq_ignore_ascii_case(&from) {
                        source.overridden = label.map_or(Overridden::Always, Overridden::WhileOn);
                    } else if let Some(label) = label
                        && Some(source.graph) == overrider
                    {
                        source.overridden = Overridden::WhileOff(label);
                    }
                }
            }
        }
        // A definition kept only for the overriding subgraph's requirements; while a
        // progressive override's label is off, the field is still resolved there.
        for directive in &directives {
            if !progressive
                && bool_argument(directive, "usedOverridden") == Some(true)
                && let Some(graph) = graph_of(directive)?
            {
                for source in sources.iter_mut().filter(|s| s.graph == graph) {
                    source.overridden = Overridden::Always;
                }
            }
        }
        // Federation 1 subgraphs mark the key fields of the types they extend `@external`,
        // yet always return them in references: a key field is resolvable where it is a key.
        for source in sources.iter_mut().filter(|source| source.external) {
            let is_key_field = info
                .graphs
                .iter()
                .filter(|t| t.graph == source.graph)
                .flat_map(|t| &t.keys)
                .any(|key| {
                    key.selection.items.iter().any(|item| {
                        matches!(item, crate::operation::Selection::Field(f) if f.name == *field_name)
                    })
                });
            if is_key_field {
                source.external = false;
            }
        }
        let has_graph_fields = directives
            .iter()
            .any(|d| d.specified_argument_by_name("graph").is_some());
        info.fields.insert(
            field_name.clone(),
            if has_graph_fields {
                FieldSources::Graphs(sources)
            } else if !directives.is_empty() && matches!(ty, ExtendedType::Object(_)) {
                FieldSources::ThroughInterfaceObject
            } else {
                FieldSources::EverywhereTheTypeIs
            },
        );
    }
    Ok(info)
}

fn field_set(
    schema: &Valid<Schema>,
    ty: &Name,
    source: &str,
) -> Result<SelectionSet, SupergraphError> {
    let parsed = FieldSet::parse_and_validate(schema, ty.clone(), source, "field_set.graphql")
        .map_err(|err| {
            SupergraphError::Malformed(format!("bad field set `{source}` on {ty}: {}", err.errors))
        })?;
    Ok(convert_selection_set(
        &parsed.selection_set,
        &Default::default(),
    ))
}

fn string_argument(directive: &Directive, name: &str) -> Option<String> {
    directive
        .specified_argument_by_name(name)
        .and_then(|value| value.as_str())
        .map(str::to_owned)
}

fn bool_argument(directive: &Directive, name: &str) -> Option<bool> {
    match directive
        .specified_argument_by_name(name)
        .map(|v| v.as_ref())
    {
        Some(Value::Boolean(value)) => Some(*value),
        _ => None,
    }
}

/// A shared, immutable supergraph.
pub type SharedSupergraph = Arc<Supergraph>;
