//! Demand control (`@cost`, `@listSize`, Federation 2.9): read from the subgraphs, merged
//! where several define an element (the highest weight and assumed size, the union of
//! slicing arguments and sized fields, a slicing argument required only if every subgraph
//! requires one), and printed on the supergraph's elements under the cost spec's `@link`.

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
