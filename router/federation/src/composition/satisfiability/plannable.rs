//! Whether the planner can fetch a selection (a key or a requirement) for a state: every
//! field resolved there or, when jumps are allowed, through other subgraphs first.

use super::states::{StateId, States};
use crate::operation::Selection;

impl States<'_> {
    /// Whether the planner can fetch `items` (a key or a requirement) for state `id`: by
    /// the state's subgraph alone, or with `jumps` through other subgraphs. A requirement
    /// that needs itself is not plannable.
    pub fn plannable(&mut self, id: StateId, items: &[Selection], jumps: bool) -> bool {
        let memo_key = (id, items.to_vec(), jumps);
        if let Some(known) = self.plannable.get(&memo_key) {
            return *known;
        }
        if !self.in_progress.insert(memo_key.clone()) {
            self.cycle = true;
            return false;
        }
        let outer_cycle = std::mem::replace(&mut self.cycle, false);
        let result = self.plannable_items(id, items, jumps);
        self.in_progress.remove(&memo_key);
        if result || !self.cycle {
            self.plannable.insert(memo_key, result);
        }
        self.cycle |= outer_cycle;
        result
    }

    fn plannable_items(&mut self, id: StateId, items: &[Selection], jumps: bool) -> bool {
        let state = self.all[id].clone();
        for item in items {
            let (field, children) = match item {
                Selection::Field(field) if field.name == "__typename" => continue,
                Selection::Field(field) => (
                    &field.name,
                    field
                        .selection_set
                        .as_ref()
                        .map(|s| s.items.clone())
                        .unwrap_or_default(),
                ),
                Selection::Fragment(fragment) => {
                    let applies = fragment
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.supergraph.type_matches(&state.ty, c));
                    if applies && !self.plannable(id, &fragment.selection_set.items, jumps) {
                        return false;
                    }
                    continue;
                }
            };
            let options = match self.local(&state, field) {
                Some(option) => vec![option],
                None if !jumps => return false,
                None if self.supergraph.is_interface_object(&state.ty, state.graph) => {
                    let Some(objects) = self.interface_target(id) else {
                        return false;
                    };
                    let all = objects
                        .into_iter()
                        .all(|object| self.plannable(object, std::slice::from_ref(item), true));
                    if !all {
                        return false;
                    }
                    continue;
                }
                None => self.jumps(id, field).0,
            };
            let any = options.into_iter().any(|option| {
                option
                    .into_iter()
                    .all(|child| self.plannable(child, &children, jumps))
            });
            if !any {
                return false;
            }
        }
        true
    }
}
