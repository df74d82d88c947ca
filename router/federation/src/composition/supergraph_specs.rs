//! What the supergraph itself defines: the link and join specs composition writes, the
//! specs it links when some subgraph uses their directives, and the names they take.

use super::demand_control;
use super::spec::{self, Fed};

/// The join spec version composition writes, and its definitions.
pub(crate) const JOIN_URL: &str = "https://specs.apollo.dev/join/v0.5";
pub(crate) const LINK_URL: &str = "https://specs.apollo.dev/link/v1.0";

pub(crate) const JOIN_DIRECTIVES: &str = "\
directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
";

pub(crate) const LINK_DIRECTIVE: &str = "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA\n";

pub(crate) const JOIN_AND_LINK_TYPES: &str = "\
input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}

scalar join__DirectiveArguments

scalar join__FieldSet

scalar join__FieldValue
";

pub(crate) const LINK_TYPES: &str = "\
scalar link__Import

enum link__Purpose {
  \"\"\"
  `SECURITY` features provide metadata necessary to securely resolve fields.
  \"\"\"
  SECURITY

  \"\"\"
  `EXECUTION` features provide metadata necessary for operation execution.
  \"\"\"
  EXECUTION
}
";

/// A spec the supergraph links when some subgraph uses one of its directives.
pub(crate) struct LinkedSpec {
    pub fed: Fed,
    pub link: &'static str,
    pub definitions: &'static str,
}

pub(crate) const LINKED_SPECS: &[LinkedSpec] = &[
    LinkedSpec {
        fed: Fed::Authenticated,
        link: "@link(url: \"https://specs.apollo.dev/authenticated/v0.1\", for: SECURITY)",
        definitions: "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n",
    },
    LinkedSpec {
        fed: Fed::Context,
        link: "@link(url: \"https://specs.apollo.dev/context/v0.1\", for: SECURITY)",
        definitions: "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION\n\ndirective @context__fromContext(field: String) on ARGUMENT_DEFINITION\n",
    },
    LinkedSpec {
        fed: Fed::Cost,
        link: demand_control::LINK,
        definitions: demand_control::DEFINITIONS,
    },
    LinkedSpec {
        fed: Fed::Inaccessible,
        link: "@link(url: \"https://specs.apollo.dev/inaccessible/v0.2\", for: SECURITY)",
        definitions: "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n",
    },
    LinkedSpec {
        fed: Fed::Policy,
        link: "@link(url: \"https://specs.apollo.dev/policy/v0.1\", for: SECURITY)",
        definitions: "directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n",
    },
    LinkedSpec {
        fed: Fed::RequiresScopes,
        link: "@link(url: \"https://specs.apollo.dev/requiresScopes/v0.1\", for: SECURITY)",
        definitions: "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n",
    },
    LinkedSpec {
        fed: Fed::Tag,
        link: "@link(url: \"https://specs.apollo.dev/tag/v0.3\")",
        definitions: "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA\n",
    },
];

/// Scalars the linked specs define, printed with the other types.
pub(crate) fn linked_spec_scalar(fed: Fed) -> Option<&'static str> {
    match fed {
        Fed::Policy => Some("policy__Policy"),
        Fed::RequiresScopes => Some("requiresScopes__Scope"),
        _ => None,
    }
}

/// Directives the supergraph defines for federation features (the join spec and the specs it
/// links), whatever a subgraph calls them: a composed directive cannot take these names.
pub(crate) fn is_supergraph_directive(name: &str) -> bool {
    name.starts_with("join__")
        || spec::ALL
            .iter()
            .any(|(fed, spec_name, _)| *spec_name == name && is_passed_through(*fed))
}

/// Federation directives that the supergraph keeps under their own name.
fn is_passed_through(fed: Fed) -> bool {
    matches!(
        fed,
        Fed::Inaccessible
            | Fed::Tag
            | Fed::Authenticated
            | Fed::RequiresScopes
            | Fed::Policy
            | Fed::Context
            | Fed::FromContext
            | Fed::Cost
            | Fed::ListSize
    )
}
