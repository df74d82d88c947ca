//! One entity fetch taking `@fromContext` values, for several groups of entities in one
//! request: entities whose context values differ cannot share `_entities`' variables, so
//! each group gets its own aliased `_entities` selection with its own representations and
//! context variables:
//!
//! ```graphql
//! query($e0: [_Any!]!, $e0_0: String!, $e1: [_Any!]!, $e1_0: String!) {
//!   e0: _entities(representations: $e0) { ... on Order { price(currency: $e0_0) } }
//!   e1: _entities(representations: $e1) { ... on Order { price(currency: $e1_0) } }
//! }
//! ```
//!
//! The text depends on the number of groups, known only at execution: the planner keeps it
//! as pieces already escaped for a JSON string, and [`ContextBatch::write_json`] writes it
//! straight into the request body.

use crate::operation::{Selection, write_selections};
use crate::plan::ContextVariable;
use apollo_compiler::Name;
use apollo_compiler::ast;
use std::io::Write;

/// The template of a context fetch's operation for any number of groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextBatch {
    /// Group `g`'s alias and representations variable are `{prefix}{g}`, its value of the
    /// fetch's `k`-th context variable `{prefix}{g}_{k}` (`e0`, `e0_0`); no variable the
    /// fetch forwards from the client starts with it.
    pub prefix: String,
    /// Escaped `query Name(` (or `query(`).
    head: String,
    /// Escaped `, $x: Int, …`: the client variables' definitions.
    definitions: String,
    /// The escaped type of each context variable, in the fetch's order.
    types: Vec<String>,
    /// The escaped selection of one `_entities`, cut where context variables go.
    body: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// The `k`-th context variable of the group (after its `$`).
    Context(usize),
}

impl ContextBatch {
    /// The template for `body`, the selection of an entity fetch (`... on T { … }`).
    /// `forwarded` are the fetch's variables, client ones and context ones; `definitions`
    /// define them (the context ones among them too).
    pub(crate) fn new(
        head: &str,
        body: &[Selection],
        forwarded: &[Name],
        definitions: &[&ast::VariableDefinition],
        contexts: &[ContextVariable],
    ) -> Self {
        let is_context = |name: &Name| contexts.iter().any(|c| c.variable == *name);
        let mut prefix = "e".to_owned();
        while forwarded
            .iter()
            .any(|name| !is_context(name) && name.starts_with(prefix.as_str()))
        {
            prefix.push('_');
        }
        let client: Vec<String> = definitions
            .iter()
            .filter(|definition| !is_context(&definition.name))
            .map(|definition| format!(", {definition}"))
            .collect();
        let types = contexts
            .iter()
            .map(|context| {
                definitions
                    .iter()
                    .find(|definition| definition.name == context.variable)
                    .map(|definition| escape(&definition.ty.to_string()))
                    .unwrap_or_else(|| escape("String"))
            })
            .collect();

        // The body printed with each context variable renamed to `{mark}{k}`, `mark` a
        // text the body does not contain otherwise; cut at each `${mark}`.
        let mut original = String::new();
        write_selections(&mut original, body);
        let mut mark = "ctx".to_owned();
        while original.contains(mark.as_str()) {
            mark.push('_');
        }
        let mut renamed = body.to_vec();
        rename(&mut renamed, contexts, &mark);
        let mut text = String::new();
        write_selections(&mut text, &renamed);
        let mut pieces = Vec::new();
        let cut = format!("${mark}");
        let mut rest = text.as_str();
        while let Some(at) = rest.find(cut.as_str()) {
            pieces.push(Piece::Text(escape(&rest[..at + 1])));
            let after = &rest[at + cut.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            pieces.push(Piece::Context(after[..digits].parse().unwrap_or(0)));
            rest = &after[digits..];
        }
        pieces.push(Piece::Text(escape(rest)));
        Self {
            prefix,
            head: escape(head),
            definitions: escape(&client.concat()),
            types,
            body: pieces,
        }
    }

    /// Writes the operation for `groups` groups as a JSON string (quoted) to `out`.
    pub fn write_json(&self, groups: usize, out: &mut Vec<u8>) {
        let prefix = &self.prefix;
        out.push(b'"');
        out.extend_from_slice(self.head.as_bytes());
        for group in 0..groups {
            if group > 0 {
                out.extend_from_slice(b", ");
            }
            let _ = write!(out, "${prefix}{group}: [_Any!]!");
            for (k, ty) in self.types.iter().enumerate() {
                let _ = write!(out, ", ${prefix}{group}_{k}: {ty}");
            }
        }
        out.extend_from_slice(self.definitions.as_bytes());
        out.extend_from_slice(b") {");
        for group in 0..groups {
            let _ = write!(
                out,
                " {prefix}{group}: _entities(representations: ${prefix}{group}) "
            );
            for piece in &self.body {
                match piece {
                    Piece::Text(text) => out.extend_from_slice(text.as_bytes()),
                    Piece::Context(k) => {
                        let _ = write!(out, "{prefix}{group}_{k}");
                    }
                }
            }
        }
        out.extend_from_slice(b" }\"");
    }

    /// The group a response key of the batched operation's answer names (`e1` → 1).
    pub fn group_of(&self, key: &str) -> Option<usize> {
        let digits = key.strip_prefix(self.prefix.as_str())?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
}

/// `text` escaped for the inside of a JSON string.
fn escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// Renames the context variables of `items`' arguments to `{mark}{k}`.
fn rename(items: &mut [Selection], contexts: &[ContextVariable], mark: &str) {
    for item in items {
        match item {
            Selection::Field(field) => {
                for argument in &mut field.arguments {
                    let ast::Value::Variable(variable) = argument.value.as_ref() else {
                        continue;
                    };
                    if let Some(k) = contexts.iter().position(|c| c.variable == *variable) {
                        argument.make_mut().value = apollo_compiler::Node::new(
                            ast::Value::Variable(Name::new_unchecked(&format!("{mark}{k}"))),
                        );
                    }
                }
                if let Some(set) = &mut field.selection_set {
                    rename(&mut set.items, contexts, mark);
                }
            }
            Selection::Fragment(fragment) => {
                rename(&mut fragment.selection_set.items, contexts, mark)
            }
        }
    }
}
