//! What composition reports: errors (the supergraph cannot be built) and hints (it can, but
//! something looks unintended), each with a stable code named after Apollo's documented ones.

use std::fmt;

/// The rule an error breaks. `as_str` is the stable code printed in brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// The subgraph SDL does not parse or is not a valid schema.
    InvalidGraphql,
    /// Two subgraphs share a name, or a name cannot be a `join__Graph` value.
    InvalidSubgraphName,
    /// A `@link` to a federation version this composition does not know.
    UnknownFederationLinkVersion,
    /// A non-root type is named like a root type that has another name in its subgraph.
    RootQueryUsed,
    RootMutationUsed,
    RootSubscriptionUsed,
    /// The same type name is a different kind of type in different subgraphs.
    TypeKindMismatch,
    /// A field is resolved by several subgraphs without being `@shareable` in all of them.
    InvalidFieldSharing,
    /// A field's types in different subgraphs have no common (super)type.
    FieldTypeMismatch,
    /// An argument's types differ between subgraphs.
    FieldArgumentTypeMismatch,
    /// An argument's default values differ between subgraphs.
    FieldArgumentDefaultMismatch,
    /// A required argument is missing from a subgraph defining the field.
    RequiredArgumentMissingInSomeSubgraph,
    /// A required input field is missing from a subgraph defining the input type.
    RequiredInputFieldMissingInSomeSubgraph,
    /// An input field's default values differ between subgraphs.
    InputFieldDefaultMismatch,
    /// No input field is defined in every subgraph defining the input type.
    EmptyMergedInputType,
    /// No value of an input-only enum is defined in every subgraph.
    EmptyMergedEnumType,
    /// An enum used as input and output has different values in different subgraphs.
    EnumValueMismatch,
    /// `@key(fields:)` does not parse or selects a field that does not exist.
    KeyInvalidFields,
    /// `@key(fields:)` selects a list, interface or union field.
    KeyFieldsSelectInvalidType,
    /// `@key(fields:)` selects a field with arguments.
    KeyFieldsHasArgs,
    /// An interface has a `@key` that one of its implementations in that subgraph lacks.
    InterfaceKeyNotOnImplementations,
    /// `@requires(fields:)` does not parse or selects a field that does not exist.
    RequiresInvalidFields,
    /// `@requires(fields:)` selects a field of its own subgraph that is not `@external`.
    RequiresFieldsMissingExternal,
    /// `@requires` on an interface field.
    RequiresUnsupportedOnInterface,
    /// `@provides(fields:)` does not parse or selects a field that does not exist.
    ProvidesInvalidFields,
    /// `@provides(fields:)` selects a field that is not `@external`.
    ProvidesFieldsMissingExternal,
    /// `@provides` on a field whose type is not an object, interface or union.
    ProvidesOnNonObjectField,
    /// `@provides` on an interface field.
    ProvidesUnsupportedOnInterface,
    /// A field is `@external` in every subgraph defining it.
    ExternalMissingOnBase,
    /// An `@external` field's type is incompatible with the type where it is defined.
    ExternalTypeMismatch,
    /// An `@external` field no `@key`, `@requires` or `@provides` uses.
    ExternalUnused,
    /// `@override(from:)` names the subgraph it is in.
    OverrideFromSelfError,
    /// The field `@override` takes over is itself `@override` in its own subgraph.
    OverrideSourceHasOverride,
    /// `@override` together with `@external` on one field.
    OverrideCollisionWithAnotherDirective,
    /// `@override` on an interface field.
    OverrideOnInterface,
    /// `@interfaceObject` misused: no `@key`, or no subgraph defines the interface.
    InterfaceObjectUsageError,
    /// After merging, an implementation lacks a field of an interface it implements.
    InterfaceFieldNoImplem,
    /// After merging, an implementation's field is not of a subtype of the interface
    /// field's type, or lacks one of its arguments or gives it another type.
    InterfaceFieldImplemTypeMismatch,
    /// A type is only ever extended (Federation 1), never defined.
    ExtensionWithNoBase,
    /// `@composeDirective` names a directive that cannot be composed.
    DirectiveCompositionError,
    /// An accessible element refers to an `@inaccessible` type.
    ReferencedInaccessible,
    /// A required argument or input field is `@inaccessible`.
    RequiredInaccessible,
    /// An accessible type whose fields, values or members are all `@inaccessible`.
    OnlyInaccessibleChildren,
    /// The query root type is `@inaccessible`.
    QueryRootTypeInaccessible,
    /// An accessible interface field is implemented by an inaccessible one.
    ImplementedByInaccessible,
    /// No subgraph defines a query root field.
    NoQueries,
    /// A field that no subgraph can resolve along any path from a root.
    SatisfiabilityError,
    /// `@cost` on a field of an interface (weights go on the implementations' fields).
    CostAppliedToInterfaceField,
    /// `@listSize` on a field that returns no list and names no `sizedFields`.
    ListSizeAppliedToNonList,
    /// `@listSize(assumedSize:)` is negative.
    ListSizeInvalidAssumedSize,
    /// A `slicingArguments` entry is not an `Int` argument of the field.
    ListSizeInvalidSlicingArgument,
    /// A `sizedFields` entry is not a list field of the field's type.
    ListSizeInvalidSizedField,
    /// `@context(name:)` is not a letter followed by letters and digits.
    ContextNameInvalid,
    /// `@context(name:)` contains `_` (the supergraph joins names with `__`).
    ContextNameContainsUnderscore,
    /// `@fromContext` uses a context no type of its subgraph sets.
    ContextNotSet,
    /// `@fromContext(field:)` does not start with `$` and a context name.
    NoContextReferenced,
    /// `@fromContext(field:)` names a context but selects nothing from it.
    NoSelectionForContext,
    /// A field with an argument from a context, of a type without a resolvable `@key`.
    ContextNoResolvableKey,
    /// A context selection that does not select exactly one field of a type setting the
    /// context, of a type the argument accepts.
    ContextSelectionInvalid,
    /// An argument taken from a context in one subgraph is a client argument in another.
    ContextualArgumentNotContextualInAllSubgraphs,
    /// A federation feature composition does not support yet.
    UnsupportedFeature,
    /// The composed supergraph failed to load (a bug in composition; please report).
    InvalidSupergraph,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidGraphql => "INVALID_GRAPHQL",
            InvalidSubgraphName => "INVALID_SUBGRAPH_NAME",
            UnknownFederationLinkVersion => "UNKNOWN_FEDERATION_LINK_VERSION",
            RootQueryUsed => "ROOT_QUERY_USED",
            RootMutationUsed => "ROOT_MUTATION_USED",
            RootSubscriptionUsed => "ROOT_SUBSCRIPTION_USED",
            TypeKindMismatch => "TYPE_KIND_MISMATCH",
            InvalidFieldSharing => "INVALID_FIELD_SHARING",
            FieldTypeMismatch => "FIELD_TYPE_MISMATCH",
            FieldArgumentTypeMismatch => "FIELD_ARGUMENT_TYPE_MISMATCH",
            FieldArgumentDefaultMismatch => "FIELD_ARGUMENT_DEFAULT_MISMATCH",
            RequiredArgumentMissingInSomeSubgraph => "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
            RequiredInputFieldMissingInSomeSubgraph => {
                "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH"
            }
            InputFieldDefaultMismatch => "INPUT_FIELD_DEFAULT_MISMATCH",
            EmptyMergedInputType => "EMPTY_MERGED_INPUT_TYPE",
            EmptyMergedEnumType => "EMPTY_MERGED_ENUM_TYPE",
            EnumValueMismatch => "ENUM_VALUE_MISMATCH",
            KeyInvalidFields => "KEY_INVALID_FIELDS",
            KeyFieldsSelectInvalidType => "KEY_FIELDS_SELECT_INVALID_TYPE",
            KeyFieldsHasArgs => "KEY_FIELDS_HAS_ARGS",
            InterfaceKeyNotOnImplementations => "INTERFACE_KEY_NOT_ON_IMPLEMENTATIONS",
            RequiresInvalidFields => "REQUIRES_INVALID_FIELDS",
            RequiresFieldsMissingExternal => "REQUIRES_FIELDS_MISSING_EXTERNAL",
            RequiresUnsupportedOnInterface => "REQUIRES_UNSUPPORTED_ON_INTERFACE",
            ProvidesInvalidFields => "PROVIDES_INVALID_FIELDS",
            ProvidesFieldsMissingExternal => "PROVIDES_FIELDS_MISSING_EXTERNAL",
            ProvidesOnNonObjectField => "PROVIDES_ON_NON_OBJECT_FIELD",
            ProvidesUnsupportedOnInterface => "PROVIDES_UNSUPPORTED_ON_INTERFACE",
            ExternalMissingOnBase => "EXTERNAL_MISSING_ON_BASE",
            ExternalTypeMismatch => "EXTERNAL_TYPE_MISMATCH",
            ExternalUnused => "EXTERNAL_UNUSED",
            OverrideFromSelfError => "OVERRIDE_FROM_SELF_ERROR",
            OverrideSourceHasOverride => "OVERRIDE_SOURCE_HAS_OVERRIDE",
            OverrideCollisionWithAnotherDirective => "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
            OverrideOnInterface => "OVERRIDE_ON_INTERFACE",
            InterfaceObjectUsageError => "INTERFACE_OBJECT_USAGE_ERROR",
            InterfaceFieldNoImplem => "INTERFACE_FIELD_NO_IMPLEM",
            InterfaceFieldImplemTypeMismatch => "INTERFACE_FIELD_IMPLEM_TYPE_MISMATCH",
            ExtensionWithNoBase => "EXTENSION_WITH_NO_BASE",
            DirectiveCompositionError => "DIRECTIVE_COMPOSITION_ERROR",
            ReferencedInaccessible => "REFERENCED_INACCESSIBLE",
            RequiredInaccessible => "REQUIRED_INACCESSIBLE",
            OnlyInaccessibleChildren => "ONLY_INACCESSIBLE_CHILDREN",
            QueryRootTypeInaccessible => "QUERY_ROOT_TYPE_INACCESSIBLE",
            ImplementedByInaccessible => "IMPLEMENTED_BY_INACCESSIBLE",
            NoQueries => "NO_QUERIES",
            SatisfiabilityError => "SATISFIABILITY_ERROR",
            CostAppliedToInterfaceField => "COST_APPLIED_TO_INTERFACE_FIELD",
            ListSizeAppliedToNonList => "LIST_SIZE_APPLIED_TO_NON_LIST",
            ListSizeInvalidAssumedSize => "LIST_SIZE_INVALID_ASSUMED_SIZE",
            ListSizeInvalidSlicingArgument => "LIST_SIZE_INVALID_SLICING_ARGUMENT",
            ListSizeInvalidSizedField => "LIST_SIZE_INVALID_SIZED_FIELD",
            ContextNameInvalid => "CONTEXT_NAME_INVALID",
            ContextNameContainsUnderscore => "CONTEXT_NAME_CONTAINS_UNDERSCORE",
            ContextNotSet => "CONTEXT_NOT_SET",
            NoContextReferenced => "NO_CONTEXT_REFERENCED",
            NoSelectionForContext => "NO_SELECTION_FOR_CONTEXT",
            ContextNoResolvableKey => "CONTEXT_NO_RESOLVABLE_KEY",
            ContextSelectionInvalid => "CONTEXT_SELECTION_INVALID",
            ContextualArgumentNotContextualInAllSubgraphs => {
                "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS"
            }
            UnsupportedFeature => "UNSUPPORTED_FEATURE",
            InvalidSupergraph => "INVALID_SUPERGRAPH",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule: its code and a message naming the subgraphs, types and fields involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{code}] {message}")]
pub struct CompositionError {
    pub code: ErrorCode,
    pub message: String,
}

impl CompositionError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Every error composition found, in a stable order (by subgraph, then type, as found).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CompositionErrors {
    pub errors: Vec<CompositionError>,
}

impl fmt::Display for CompositionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len();
        writeln!(
            f,
            "composition failed with {count} error{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

/// Something composition accepted but that may not be what was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositionHint {
    /// A stable code, e.g. `INCONSISTENT_ARGUMENT_PRESENCE`.
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for CompositionHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// Where errors and hints are collected while composing.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub errors: Vec<CompositionError>,
    pub hints: Vec<CompositionHint>,
}

impl Diagnostics {
    pub fn error(&mut self, code: ErrorCode, message: impl Into<String>) {
        self.errors.push(CompositionError::new(code, message));
    }

    pub fn hint(&mut self, code: &'static str, message: impl Into<String>) {
        self.hints.push(CompositionHint {
            code,
            message: message.into(),
        });
    }
}

/// `subgraph "a"`, `subgraphs "a" and "b"`.
pub(crate) fn subgraph_list<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "subgraph{} {}",
        if names.len() == 1 { "" } else { "s" },
        quoted_list(names)
    )
}

/// `"a"`, `"a" and "b"`, `"a", "b" and "c"`: subgraph names in messages.
pub(crate) fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names
        .iter()
        .map(|n| format!("\"{}\"", n.as_ref()))
        .collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
