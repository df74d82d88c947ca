//! Directives that pass into the supergraph as they are (`@inaccessible`, `@tag`,
//! `@deprecated`, the security ones, demand control and `@composeDirective` ones), merged
//! across the subgraphs defining one element.

use super::subgraph::Applied;
use std::collections::HashSet;

/// Pass-through directives of all subgraphs' definitions of one element.
pub(crate) fn merge_applied<'a>(sources: impl Iterator<Item = &'a Applied>) -> Applied {
    let mut merged = Applied::default();
    let mut custom_seen = HashSet::new();
    for applied in sources {
        merged.inaccessible |= applied.inaccessible;
        merged.authenticated |= applied.authenticated;
        for tag in &applied.tags {
            if !merged.tags.contains(tag) {
                merged.tags.push(tag.clone());
            }
        }
        if merged.deprecated.is_none() {
            merged.deprecated = applied.deprecated.clone();
        }
        for scopes in &applied.requires_scopes {
            if !merged.requires_scopes.contains(scopes) {
                merged.requires_scopes.push(scopes.clone());
            }
        }
        for policies in &applied.policies {
            if !merged.policies.contains(policies) {
                merged.policies.push(policies.clone());
            }
        }
        for directive in &applied.custom {
            if custom_seen.insert(directive.to_string()) {
                merged.custom.push(directive.clone());
            }
        }
        merged.cost = merged.cost.max(applied.cost);
        if let Some(list_size) = &applied.list_size {
            merged.list_size = Some(match &merged.list_size {
                Some(merged) => merged.merge(list_size),
                None => list_size.clone(),
            });
        }
    }
    merged
}
