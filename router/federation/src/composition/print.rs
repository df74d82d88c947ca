//! Printing the merged supergraph in the join-spec format Federation 2 routers read: the
//! schema's `@link`s, the link and join definitions, the `join__Graph` enum, then every
//! type (sorted by name) with its join directives, one per line.

use super::contexts;
use super::merge::{JoinField, JoinFields, JoinType, Merged, MergedField, MergedType};
use super::spec::Fed;
use super::subgraph::{Applied, Kind};
use super::supergraph_specs::{self as spec, LINKED_SPECS};
use std::fmt::Write;

pub(crate) fn print(merged: &Merged) -> String {
    let mut out = String::new();
    let used = used_specs(merged);
    out.push_str("schema\n");
    let _ = writeln!(out, "  @link(url: \"{}\")", spec::LINK_URL);
    let _ = writeln!(out, "  @link(url: \"{}\", for: EXECUTION)", spec::JOIN_URL);
    for linked in LINKED_SPECS.iter().filter(|s| used.contains(&s.fed)) {
        let _ = writeln!(out, "  {}", linked.link);
    }
    for composed in &merged.composed {
        let _ = writeln!(
            out,
            "  @link(url: {}, import: [{}])",
            quote(&composed.link.url),
            quote(&format!("@{}", composed.name))
        );
    }
    out.push_str("{\n");
    for (operation, name) in [
        ("query", "Query"),
        ("mutation", "Mutation"),
        ("subscription", "Subscription"),
    ] {
        if merged.types.contains_key(name) {
            let _ = writeln!(out, "  {operation}: {name}");
        }
    }
    out.push_str("}\n\n");

    out.push_str(spec::JOIN_DIRECTIVES);
    out.push('\n');
    out.push_str(spec::LINK_DIRECTIVE);
    for linked in LINKED_SPECS.iter().filter(|s| used.contains(&s.fed)) {
        out.push('\n');
        out.push_str(linked.definitions);
    }
    for composed in &merged.composed {
        let _ = write!(out, "\n{}\n", composed.definition);
    }
    out.push('\n');
    out.push_str(spec::JOIN_AND_LINK_TYPES);
    out.push_str("\nenum join__Graph {\n");
    for graph in &merged.graphs {
        let _ = writeln!(
            out,
            "  {} @join__graph(name: {}, url: {})",
            graph.enum_value,
            quote(&graph.name),
            quote(&graph.url)
        );
    }
    out.push_str("}\n\n");
    out.push_str(spec::LINK_TYPES);
    for fed in [Fed::Policy, Fed::RequiresScopes] {
        if let Some(scalar) = spec::linked_spec_scalar(fed).filter(|_| used.contains(&fed)) {
            let _ = write!(out, "\nscalar {scalar}\n");
        }
    }

    let mut names: Vec<_> = merged.types.keys().collect();
    names.sort();
    for name in names {
        out.push('\n');
        print_type(&mut out, merged, name, &merged.types[name]);
    }
    out
}

/// The linked specs whose directives some element uses.
fn used_specs(merged: &Merged) -> Vec<Fed> {
    let mut all: Vec<&Applied> = Vec::new();
    for ty in merged.types.values() {
        all.push(&ty.applied);
        for field in ty.fields.values() {
            all.push(&field.applied);
            all.extend(field.arguments.values().map(|a| &a.applied));
        }
        all.extend(ty.values.values().map(|v| &v.applied));
    }
    let mut used = Vec::new();
    if merged.types.values().any(|ty| !ty.contexts.is_empty()) {
        used.push(Fed::Context);
    }
    let mut mark = |fed: Fed, is_used: bool| {
        if is_used && !used.contains(&fed) {
            used.push(fed);
        }
    };
    for applied in all {
        mark(Fed::Inaccessible, applied.inaccessible);
        mark(Fed::Tag, !applied.tags.is_empty());
        mark(Fed::Authenticated, applied.authenticated);
        mark(Fed::RequiresScopes, !applied.requires_scopes.is_empty());
        mark(Fed::Policy, !applied.policies.is_empty());
        mark(
            Fed::Cost,
            applied.cost.is_some() || applied.list_size.is_some(),
        );
    }
    used
}

fn print_type(out: &mut String, merged: &Merged, name: &str, ty: &MergedType) {
    print_description(out, ty.description.as_deref(), "");
    let keyword = match ty.kind {
        Kind::Scalar => "scalar",
        Kind::Object => "type",
        Kind::Interface => "interface",
        Kind::Union => "union",
        Kind::Enum => "enum",
        Kind::InputObject => "input",
    };
    let _ = write!(out, "{keyword} {name}");
    if !ty.implements.is_empty() {
        let names: Vec<&str> = ty.implements.iter().map(|(i, _)| i.as_str()).collect();
        let _ = write!(out, " implements {}", names.join(" & "));
    }
    out.push('\n');
    for (interface, graphs) in &ty.implements {
        for graph in graphs {
            let _ = writeln!(
                out,
                "  @join__implements(graph: {}, interface: {})",
                merged.graphs[*graph].enum_value,
                quote(interface)
            );
        }
    }
    for join in &ty.join_types {
        let _ = writeln!(out, "  {}", join_type(merged, join));
    }
    for (member, graphs) in &ty.members {
        for graph in graphs {
            let _ = writeln!(
                out,
                "  @join__unionMember(graph: {}, member: {})",
                merged.graphs[*graph].enum_value,
                quote(member)
            );
        }
    }
    for context in &ty.contexts {
        let _ = writeln!(out, "  @context(name: {})", quote(context));
    }
    for directive in applied(&ty.applied) {
        let _ = writeln!(out, "  {directive}");
    }
    if let Some(url) = &ty.specified_by {
        let _ = writeln!(out, "  @specifiedBy(url: {})", quote(url));
    }
    match ty.kind {
        Kind::Scalar => {}
        Kind::Union => {
            let members: Vec<&str> = ty.members.iter().map(|(m, _)| m.as_str()).collect();
            let _ = writeln!(out, " = {}", members.join(" | "));
        }
        Kind::Enum => {
            out.push_str("{\n");
            for (value, def) in &ty.values {
                print_description(out, def.description.as_deref(), "  ");
                let _ = write!(out, "  {value}");
                for graph in &def.graphs {
                    let _ = write!(
                        out,
                        " @join__enumValue(graph: {})",
                        merged.graphs[*graph].enum_value
                    );
                }
                for directive in applied(&def.applied) {
                    let _ = write!(out, " {directive}");
                }
                out.push('\n');
            }
            out.push_str("}\n");
        }
        Kind::Object | Kind::Interface | Kind::InputObject => {
            out.push_str("{\n");
            for (field_name, field) in &ty.fields {
                print_field(out, merged, field_name, field);
            }
            out.push_str("}\n");
        }
    }
}

fn print_field(out: &mut String, merged: &Merged, name: &str, field: &MergedField) {
    print_description(out, field.description.as_deref(), "  ");
    let _ = write!(out, "  {name}");
    if !field.arguments.is_empty() {
        let multiline = field.arguments.values().any(|a| a.description.is_some());
        out.push('(');
        for (index, (arg_name, arg)) in field.arguments.iter().enumerate() {
            if multiline {
                out.push('\n');
                print_description(out, arg.description.as_deref(), "    ");
                out.push_str("    ");
            } else if index > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{arg_name}: {}", arg.ty);
            if let Some(default) = &arg.default {
                let _ = write!(out, " = {default}");
            }
            for directive in applied(&arg.applied) {
                let _ = write!(out, " {directive}");
            }
        }
        out.push_str(if multiline { "\n  )" } else { ")" });
    }
    let _ = write!(out, ": {}", field.ty);
    if let Some(default) = &field.default {
        let _ = write!(out, " = {default}");
    }
    match &field.join {
        JoinFields::Everywhere => {}
        JoinFields::Bare => out.push_str(" @join__field"),
        JoinFields::Graphs(joins) => {
            for join in joins {
                let _ = write!(out, " {}", join_field(merged, join));
            }
        }
    }
    for directive in applied(&field.applied) {
        let _ = write!(out, " {directive}");
    }
    out.push('\n');
}

fn join_type(merged: &Merged, join: &JoinType) -> String {
    let mut text = format!(
        "@join__type(graph: {}",
        merged.graphs[join.graph].enum_value
    );
    if let Some(key) = &join.key {
        let _ = write!(text, ", key: {}", quote(key));
    }
    if join.extension {
        text.push_str(", extension: true");
    }
    if !join.resolvable {
        text.push_str(", resolvable: false");
    }
    if join.interface_object {
        text.push_str(", isInterfaceObject: true");
    }
    text.push(')');
    text
}

fn join_field(merged: &Merged, join: &JoinField) -> String {
    let mut text = format!(
        "@join__field(graph: {}",
        merged.graphs[join.graph].enum_value
    );
    if let Some(requires) = &join.requires {
        let _ = write!(text, ", requires: {}", quote(requires));
    }
    if let Some(provides) = &join.provides {
        let _ = write!(text, ", provides: {}", quote(provides));
    }
    if let Some(ty) = &join.ty {
        let _ = write!(text, ", type: {}", quote(&ty.to_string()));
    }
    if join.external {
        text.push_str(", external: true");
    }
    if let Some(from) = &join.override_from {
        let _ = write!(text, ", override: {}", quote(from));
    }
    if join.used_overridden {
        text.push_str(", usedOverridden: true");
    }
    if let Some(label) = &join.override_label {
        let _ = write!(text, ", overrideLabel: {}", quote(label));
    }
    if !join.context_arguments.is_empty() {
        let _ = write!(
            text,
            ", contextArguments: {}",
            contexts::print_arguments(&join.context_arguments)
        );
    }
    text.push(')');
    text
}

/// The pass-through directives of an element, printed.
fn applied(applied: &Applied) -> Vec<String> {
    let mut directives = Vec::new();
    if let Some(deprecated) = &applied.deprecated {
        directives.push(deprecated.to_string());
    }
    if applied.inaccessible {
        directives.push("@inaccessible".to_owned());
    }
    for tag in &applied.tags {
        directives.push(format!("@tag(name: {})", quote(tag)));
    }
    if applied.authenticated {
        directives.push("@authenticated".to_owned());
    }
    if !applied.requires_scopes.is_empty() {
        let scopes = print_nested(&conjunction(&applied.requires_scopes));
        directives.push(format!("@requiresScopes(scopes: {scopes})"));
    }
    if !applied.policies.is_empty() {
        let policies = print_nested(&conjunction(&applied.policies));
        directives.push(format!("@policy(policies: {policies})"));
    }
    if let Some(weight) = applied.cost {
        directives.push(format!("@cost(weight: {weight})"));
    }
    if let Some(list_size) = &applied.list_size {
        directives.push(list_size.print());
    }
    directives.extend(applied.custom.iter().map(|d| d.to_string()));
    directives
}

/// Requirements from several subgraphs must all hold: each is a list of alternatives, so
/// their conjunction takes one alternative of each, combined.
fn conjunction(requirements: &[Vec<Vec<String>>]) -> Vec<Vec<String>> {
    let mut result: Vec<Vec<String>> = vec![Vec::new()];
    for alternatives in requirements {
        let mut next = Vec::new();
        for partial in &result {
            for alternative in alternatives {
                let mut combined = partial.clone();
                for item in alternative {
                    if !combined.contains(item) {
                        combined.push(item.clone());
                    }
                }
                if !next.contains(&combined) {
                    next.push(combined);
                }
            }
        }
        result = next;
    }
    result
}

fn print_nested(lists: &[Vec<String>]) -> String {
    let inner: Vec<String> = lists
        .iter()
        .map(|list| {
            let items: Vec<String> = list.iter().map(|s| quote(s)).collect();
            format!("[{}]", items.join(", "))
        })
        .collect();
    format!("[{}]", inner.join(", "))
}

fn print_description(out: &mut String, description: Option<&str>, indent: &str) {
    let Some(description) = description else {
        return;
    };
    let _ = writeln!(out, "{indent}\"\"\"");
    for line in description.replace("\"\"\"", "\\\"\"\"").lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    let _ = writeln!(out, "{indent}\"\"\"");
}

/// A GraphQL string literal.
pub(crate) fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
