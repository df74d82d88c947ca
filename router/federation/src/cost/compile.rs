//! Compiles an operation's cost once, at planning: the supergraph's `@cost` and `@listSize`
//! read along the operation, constants folded, variable-dependent list sizes kept.

use super::{Check, CostError, CostPlan, MUTATION_BASE_COST, Node, Size};
use crate::operation::{Field, Operation, Selection, SelectionSet};
use crate::supergraph::Supergraph;
use apollo_compiler::Name;
use apollo_compiler::ast::{self, OperationType, Value};
use apollo_compiler::schema::{ExtendedType, FieldDefinition, InputValueDefinition};

const COST: &str = "cost";
const LIST_SIZE: &str = "listSize";

/// Sizes a parent's `@listSize(sizedFields:)` gives its child fields.
type Sized<'s> = Option<(&'s [String], &'s Size)>;

impl CostPlan {
    /// Compiles `operation`'s cost; `default_list_size` sizes lists nothing else sizes.
    pub fn compile(
        supergraph: &Supergraph,
        operation: &Operation,
        default_list_size: u64,
    ) -> Result<Self, CostError> {
        let mut compiler = Compiler {
            supergraph,
            default_list_size,
            checks: Vec::new(),
        };
        let mut parts = Vec::with_capacity(2);
        if operation.kind == OperationType::Mutation {
            parts.push(Node::Const(MUTATION_BASE_COST));
        }
        parts.push(compiler.selection_set(&operation.selection_set, None)?);
        Ok(Self {
            root: sum(parts),
            checks: compiler.checks,
        })
    }
}

struct Compiler<'a> {
    supergraph: &'a Supergraph,
    default_list_size: u64,
    checks: Vec<Check>,
}

impl Compiler<'_> {
    /// Fields on an abstract type count for every object type it may be; fragments only for
    /// the types they match, and the most expensive type wins.
    fn selection_set(&mut self, set: &SelectionSet, sized: Sized<'_>) -> Result<Node, CostError> {
        let has_fragments = set
            .items
            .iter()
            .any(|item| matches!(item, Selection::Fragment(_)));
        if !self.supergraph.is_abstract(&set.ty) {
            let mut parts = Vec::with_capacity(set.items.len());
            self.items(set, Some(&set.ty), sized, &mut parts)?;
            return Ok(sum(parts));
        }
        let mut parts = Vec::with_capacity(set.items.len());
        for item in &set.items {
            if let Selection::Field(field) = item {
                parts.push(self.field(&set.ty, field, sized)?);
            }
        }
        if has_fragments {
            let types = self.supergraph.possible_types(&set.ty);
            let mut options = Vec::with_capacity(types.len());
            for ty in &types {
                let mut fragments = Vec::new();
                for item in &set.items {
                    if let Selection::Fragment(fragment) = item
                        && !skipped(&fragment.directives)
                        && matches(self.supergraph, Some(ty), fragment.type_condition.as_ref())
                    {
                        self.items(&fragment.selection_set, Some(ty), sized, &mut fragments)?;
                    }
                }
                options.push(sum(fragments));
            }
            parts.push(max(options));
        }
        Ok(sum(parts))
    }

    /// The selections of `set` when the object's type is `concrete`.
    fn items(
        &mut self,
        set: &SelectionSet,
        concrete: Option<&Name>,
        sized: Sized<'_>,
        parts: &mut Vec<Node>,
    ) -> Result<(), CostError> {
        for item in &set.items {
            match item {
                Selection::Field(field) => parts.push(self.field(&set.ty, field, sized)?),
                Selection::Fragment(fragment) => {
                    if !skipped(&fragment.directives)
                        && matches(self.supergraph, concrete, fragment.type_condition.as_ref())
                    {
                        self.items(&fragment.selection_set, concrete, sized, parts)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn field(&mut self, parent: &str, field: &Field, sized: Sized<'_>) -> Result<Node, CostError> {
        let schema = &self.supergraph.schema;
        if skipped(&field.directives) {
            return Ok(Node::Const(0));
        }
        // `__typename` and introspection fields cost nothing.
        let Ok(definition) = schema.type_field(parent, &field.name) else {
            return Ok(Node::Const(0));
        };
        let ty = schema.types.get(definition.ty.inner_named_type());
        let own = weight(definition.directives.get(COST).map(|d| &**d))
            .or_else(|| ty.and_then(|ty| weight(ty.directives().get(COST).map(|d| &***d))))
            .unwrap_or(match ty {
                Some(ExtendedType::Object(_) | ExtendedType::Interface(_))
                | Some(ExtendedType::Union(_)) => 1,
                _ => 0,
            });
        let arguments = field
            .arguments
            .iter()
            .filter_map(|argument| {
                let definition = definition.argument_by_name(&argument.name)?;
                Some(self.argument(definition, &argument.value))
            })
            .fold(0u64, u64::saturating_add);
        let list_size = definition.directives.get(LIST_SIZE);
        let own_size = match list_size {
            Some(directive) => Some(self.list_size(directive, definition, field, parent)?),
            None => None,
        };
        let sized_fields: Vec<String> = list_size
            .and_then(|d| d.specified_argument_by_name("sizedFields"))
            .and_then(|v| v.as_list())
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let child_sized = match &own_size {
            Some(size) if !sized_fields.is_empty() => Some((sized_fields.as_slice(), size)),
            _ => None,
        };
        let selections = match &field.selection_set {
            Some(set) => self.selection_set(set, child_sized)?,
            None => Node::Const(0),
        };
        let inner = sum(vec![Node::Const(own), selections]);
        let cost = if definition.ty.is_list() {
            let size = sized
                .filter(|(names, _)| names.iter().any(|n| n == field.name.as_str()))
                .map(|(_, size)| size.clone())
                .or(own_size)
                .unwrap_or_else(|| Size::fixed(self.default_list_size));
            times(size, inner)
        } else {
            inner
        };
        Ok(sum(vec![cost, Node::Const(arguments)]))
    }

    /// The size `@listSize` gives a field as the operation calls it.
    fn list_size(
        &mut self,
        directive: &ast::Directive,
        definition: &FieldDefinition,
        field: &Field,
        parent: &str,
    ) -> Result<Size, CostError> {
        let fallback = directive
            .specified_argument_by_name("assumedSize")
            .and_then(|v| v.to_i32())
            .map_or(self.default_list_size, |n| n.max(0) as u64);
        let slicing: Vec<&str> = directive
            .specified_argument_by_name("slicingArguments")
            .and_then(|v| v.as_list())
            .map(|names| names.iter().filter_map(|n| n.as_str()).collect())
            .unwrap_or_default();
        if slicing.is_empty() {
            return Ok(Size::fixed(fallback));
        }
        let mut size = Size::fixed(fallback);
        let mut literals = 0;
        let mut take = |value: &Value, size: &mut Size| match value {
            Value::Variable(name) => size.variables.push(name.clone()),
            value => {
                if let Some(n) = value.to_i32() {
                    literals += 1;
                    let n = n.max(0) as u64;
                    size.literal = Some(size.literal.map_or(n, |m| m.max(n)));
                }
            }
        };
        for name in &slicing {
            if let Some(argument) = field.arguments.iter().find(|a| a.name == *name) {
                take(&argument.value, &mut size);
            }
        }
        let mut defaults = Size::fixed(fallback);
        let mut default_count = 0;
        for name in &slicing {
            if let Some(n) = definition
                .argument_by_name(name)
                .and_then(|a| a.default_value.as_ref())
                .and_then(|v| v.to_i32())
            {
                default_count += 1;
                let n = n.max(0) as u64;
                defaults.literal = Some(defaults.literal.map_or(n, |m| m.max(n)));
            }
        }
        if size.literal.is_none() && size.variables.is_empty() {
            // None given: the arguments' default values, if they have any.
            size.literal = defaults.literal;
            literals = default_count;
        } else {
            size.default = defaults.literal;
        }
        let require_one = directive
            .specified_argument_by_name("requireOneSlicingArgument")
            .and_then(|v| v.to_bool())
            .unwrap_or(true);
        if require_one {
            let check = Check {
                field: format!("{parent}.{}", field.name),
                arguments: slicing.iter().map(|s| (*s).to_owned()).collect(),
                literals,
                variables: size.variables.clone(),
                has_default: size.default.is_some(),
            };
            if check.variables.is_empty() || check.literals > 1 {
                if check.literals != 1 {
                    return Err(CostError::SlicingArguments {
                        field: check.field,
                        arguments: check.arguments,
                        given: check.literals,
                    });
                }
            } else {
                self.checks.push(check);
            }
        }
        Ok(size)
    }

    /// What an argument (or an input object field) given `value` adds.
    fn argument(&self, definition: &InputValueDefinition, value: &Value) -> u64 {
        if matches!(value, Value::Null) {
            return 0;
        }
        let named = definition.ty.inner_named_type();
        let ty = self.supergraph.schema.types.get(named);
        let own = weight(definition.directives.get(COST).map(|d| &**d))
            .or_else(|| ty.and_then(|ty| weight(ty.directives().get(COST).map(|d| &***d))))
            .unwrap_or(0);
        own.saturating_add(self.input(ty, value))
    }

    fn input(&self, ty: Option<&ExtendedType>, value: &Value) -> u64 {
        match (ty, value) {
            (_, Value::List(items)) => items
                .iter()
                .map(|item| self.input(ty, item))
                .fold(0, u64::saturating_add),
            (Some(ExtendedType::InputObject(object)), Value::Object(fields)) => fields
                .iter()
                .filter_map(|(name, value)| {
                    let definition = object.fields.get(name)?;
                    Some(self.argument(definition, value))
                })
                .fold(0, u64::saturating_add),
            _ => 0,
        }
    }
}

fn weight(directive: Option<&ast::Directive>) -> Option<u64> {
    directive?
        .specified_argument_by_name("weight")?
        .to_i32()
        .map(|n| n.max(0) as u64)
}

/// `@skip(if: true)` or `@include(if: false)` as literals (variables count as included).
fn skipped(directives: &ast::DirectiveList) -> bool {
    let literal = |name: &str| {
        directives
            .get(name)
            .and_then(|d| d.specified_argument_by_name("if"))
            .and_then(|v| v.to_bool())
    };
    literal("skip") == Some(true) || literal("include") == Some(false)
}

fn matches(supergraph: &Supergraph, concrete: Option<&Name>, condition: Option<&Name>) -> bool {
    match (concrete, condition) {
        (Some(concrete), Some(condition)) => supergraph.type_matches(concrete, condition),
        _ => true,
    }
}

/// A sum, its constants folded into one.
fn sum(parts: Vec<Node>) -> Node {
    let mut constant = 0u64;
    let mut rest = Vec::new();
    for part in parts {
        match part {
            Node::Const(c) => constant = constant.saturating_add(c),
            Node::Sum(inner) => {
                for part in inner {
                    match part {
                        Node::Const(c) => constant = constant.saturating_add(c),
                        part => rest.push(part),
                    }
                }
            }
            part => rest.push(part),
        }
    }
    if rest.is_empty() {
        return Node::Const(constant);
    }
    if constant == 0 && rest.len() == 1 {
        return rest.swap_remove(0);
    }
    if constant > 0 {
        rest.push(Node::Const(constant));
    }
    Node::Sum(rest)
}

fn max(options: Vec<Node>) -> Node {
    if options.iter().all(|o| matches!(o, Node::Const(_))) {
        let most = options
            .iter()
            .map(|o| match o {
                Node::Const(c) => *c,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        return Node::Const(most);
    }
    Node::Max(options)
}

fn times(size: Size, inner: Node) -> Node {
    match (size.constant(), inner) {
        (_, Node::Const(0)) => Node::Const(0),
        (Some(n), Node::Const(c)) => Node::Const(n.saturating_mul(c)),
        (Some(n), inner) => Node::Times(Size::fixed(n), Box::new(inner)),
        (None, inner) => Node::Times(size, Box::new(inner)),
    }
}
