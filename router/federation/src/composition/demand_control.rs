//! Demand control (`@cost`, `@listSize`, Federation 2.9): read from the subgraphs, merged
//! where several define an element (the highest weight and assumed size, the union of
//! slicing arguments and sized fields, a slicing argument required only if every subgraph
//! requires one), and printed on the supergraph's elements under the cost spec's `@link`.

use super::error::{Diagnostics, ErrorCode};
use super::subgraph::{Kind, Subgraph};
use apollo_compiler::ast::{self, Value};

/// The cost spec the supergraph links, with the two directives imported by name.
pub(crate) const LINK: &str =
    "@link(url: \"https://specs.apollo.dev/cost/v0.1\", import: [\"@cost\", \"@listSize\"])";

pub(crate) const DEFINITIONS: &str = "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR

directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
";

/// `@listSize` on a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListSize {
    pub assumed_size: Option<i64>,
    pub slicing_arguments: Option<Vec<String>>,
    pub sized_fields: Option<Vec<String>>,
    pub require_one_slicing_argument: bool,
}

impl ListSize {
    pub fn read(directive: &ast::Directive) -> Self {
        let argument = |name: &str| {
            directive
                .specified_argument_by_name(name)
                .map(|v| v.as_ref())
        };
        let strings = |name: &str| match argument(name) {
            Some(Value::List(items)) => Some(
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        };
        Self {
            assumed_size: argument("assumedSize").and_then(int),
            slicing_arguments: strings("slicingArguments"),
            sized_fields: strings("sizedFields"),
            require_one_slicing_argument: !matches!(
                argument("requireOneSlicingArgument"),
                Some(Value::Boolean(false))
            ),
        }
    }

    /// Both subgraphs' sizes at once: the larger assumed size, every slicing argument and
    /// sized field of either, one slicing argument required only if both require it.
    pub fn merge(&self, other: &Self) -> Self {
        let union = |a: &Option<Vec<String>>, b: &Option<Vec<String>>| match (a, b) {
            (None, None) => None,
            _ => {
                let mut all: Vec<String> = a.clone().unwrap_or_default();
                for item in b.iter().flatten() {
                    if !all.contains(item) {
                        all.push(item.clone());
                    }
                }
                Some(all)
            }
        };
        Self {
            assumed_size: self.assumed_size.max(other.assumed_size),
            slicing_arguments: union(&self.slicing_arguments, &other.slicing_arguments),
            sized_fields: union(&self.sized_fields, &other.sized_fields),
            require_one_slicing_argument: self.require_one_slicing_argument
                && other.require_one_slicing_argument,
        }
    }

    pub fn print(&self) -> String {
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|i| super::print::quote(i)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let mut arguments = Vec::new();
        if let Some(size) = self.assumed_size {
            arguments.push(format!("assumedSize: {size}"));
        }
        if let Some(slicing) = &self.slicing_arguments {
            arguments.push(format!("slicingArguments: {}", list(slicing)));
        }
        if let Some(sized) = &self.sized_fields {
            arguments.push(format!("sizedFields: {}", list(sized)));
        }
        arguments.push(format!(
            "requireOneSlicingArgument: {}",
            self.require_one_slicing_argument
        ));
        format!("@listSize({})", arguments.join(", "))
    }
}

/// `@cost(weight:)`.
pub(crate) fn read_weight(directive: &ast::Directive) -> Option<i64> {
    directive
        .specified_argument_by_name("weight")
        .and_then(|v| int(v.as_ref()))
}

fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(int) => int.try_to_i32().ok().map(i64::from),
        _ => None,
    }
}

/// Checks each subgraph's `@cost` and `@listSize` where they are applied (the cost spec's
/// valid targets): no `@cost` on interface fields; `@listSize` only on list fields unless it
/// names `sizedFields`, a non-negative `assumedSize`, slicing arguments that are `Int`
/// arguments of the field, sized fields that are list fields of the field's type.
pub(crate) fn validate(subgraph: &Subgraph, diags: &mut Diagnostics) {
    let name = &subgraph.name;
    for (type_name, ty) in &subgraph.types {
        for (field_name, field) in &ty.fields {
            let coordinate = format!("{type_name}.{field_name}");
            if ty.kind == Kind::Interface && field.applied.cost.is_some() {
                diags.error(
                    ErrorCode::CostAppliedToInterfaceField,
                    format!("subgraph \"{name}\": @cost is applied to \"{coordinate}\", a field of an interface; put it on the implementations' fields"),
                );
            }
            let Some(list_size) = &field.applied.list_size else {
                continue;
            };
            let sized_fields = list_size.sized_fields.as_deref().unwrap_or_default();
            if sized_fields.is_empty() && !field.ty.is_list() {
                diags.error(
                    ErrorCode::ListSizeAppliedToNonList,
                    format!("subgraph \"{name}\": @listSize is applied to \"{coordinate}\" of type \"{}\", which is not a list (and names no sizedFields)", field.ty),
                );
            }
            if let Some(size) = list_size.assumed_size.filter(|size| *size < 0) {
                diags.error(
                    ErrorCode::ListSizeInvalidAssumedSize,
                    format!("subgraph \"{name}\": @listSize(assumedSize: {size}) on \"{coordinate}\" is negative"),
                );
            }
            for argument in list_size.slicing_arguments.as_deref().unwrap_or_default() {
                let is_int = field
                    .arguments
                    .get(argument.as_str())
                    .is_some_and(|def| !def.ty.is_list() && def.ty.inner_named_type() == "Int");
                if !is_int {
                    diags.error(
                        ErrorCode::ListSizeInvalidSlicingArgument,
                        format!("subgraph \"{name}\": @listSize on \"{coordinate}\" names the slicing argument \"{argument}\", which is not an Int argument of the field"),
                    );
                }
            }
            let target = subgraph.types.get(field.ty.inner_named_type());
            for sized in sized_fields {
                let is_list = target
                    .and_then(|target| target.fields.get(sized.as_str()))
                    .is_some_and(|def| def.ty.is_list());
                if !is_list {
                    diags.error(
                        ErrorCode::ListSizeInvalidSizedField,
                        format!("subgraph \"{name}\": @listSize on \"{coordinate}\" names the sized field \"{sized}\", which is not a list field of \"{}\"", field.ty.inner_named_type()),
                    );
                }
            }
        }
    }
}
