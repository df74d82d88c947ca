//! Parse, validate and plan an operation, once. Plans are cached by the normalized operation
//! (its syntax tree printed canonically: no comments, no layout), name and progressive
//! override labels; a second map keyed by the exact text in front of it makes a repeated
//! request cost a hash and a lookup.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::OperationType;
use apollo_compiler::response::GraphQLError;
use apollo_compiler::validation::Valid;
use federation::cost::CostPlan;
use federation::operation::Operation;
use federation::supergraph::Labels;
use federation::{PlanError, QueryPlan, Supergraph};
use lru::LruCache;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// An operation ready to execute.
pub struct Prepared {
    pub document: Valid<ExecutableDocument>,
    pub operation: Operation,
    pub plan: QueryPlan,
    /// The operation selects `__schema` or `__type` at its root.
    pub introspection: bool,
    /// The operation's cost, to evaluate with each request's variables (demand control on).
    pub cost: Option<CostPlan>,
    /// The normalized operation text.
    query: String,
    operation_name: Option<String>,
    labels: Labels,
}

/// Why an operation cannot run. All but `Plan` are the client's to fix.
#[derive(Debug)]
pub enum PrepareError {
    Parse(Vec<GraphQLError>),
    Validation(Vec<GraphQLError>),
    Plan(PlanError),
}

/// What preparing checks besides validity.
#[derive(Debug, Clone, Copy)]
pub struct PrepareLimits {
    pub max_depth: usize,
    /// The default list size, when operations' costs are computed.
    pub default_list_size: Option<u64>,
}

/// A request's exact text and operation name, and what they prepare to.
type ExactEntry = (String, Option<String>, Labels, Arc<Prepared>);

pub struct PlanCache {
    /// By the exact request text: the fast path.
    exact: Mutex<LruCache<u64, ExactEntry>>,
    /// By the normalized operation: the plan itself.
    normalized: Mutex<LruCache<u64, Arc<Prepared>>>,
    planned: AtomicUsize,
}

impl PlanCache {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            exact: Mutex::new(LruCache::new(capacity)),
            normalized: Mutex::new(LruCache::new(capacity)),
            planned: AtomicUsize::new(0),
        }
    }

    /// The prepared operation, from the cache or made now.
    pub fn get_or_prepare(
        &self,
        supergraph: &Supergraph,
        query: &str,
        operation_name: Option<&str>,
        labels: Labels,
        limits: PrepareLimits,
    ) -> Result<Arc<Prepared>, PrepareError> {
        let exact_key = cache_key(query, operation_name, labels);
        if let Ok(mut exact) = self.exact.lock()
            && let Some((text, name, entry_labels, prepared)) = exact.get(&exact_key)
            && text == query
            && name.as_deref() == operation_name
            && *entry_labels == labels
        {
            return Ok(prepared.clone());
        }
        let ast = parse(query)?;
        let normalized = ast.serialize().no_indent().to_string();
        let normalized_key = cache_key(&normalized, operation_name, labels);
        let cached = self.normalized.lock().ok().and_then(|mut entries| {
            entries
                .get(&normalized_key)
                .filter(|prepared| {
                    prepared.query == normalized
                        && prepared.operation_name.as_deref() == operation_name
                        && prepared.labels == labels
                })
                .cloned()
        });
        let prepared = match cached {
            Some(prepared) => prepared,
            None => {
                let prepared = Arc::new(prepare_ast(
                    supergraph,
                    &ast,
                    normalized,
                    operation_name,
                    labels,
                    limits,
                )?);
                self.planned.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut entries) = self.normalized.lock() {
                    entries.put(normalized_key, prepared.clone());
                }
                prepared
            }
        };
        if let Ok(mut exact) = self.exact.lock() {
            exact.put(
                exact_key,
                (
                    query.to_owned(),
                    operation_name.map(str::to_owned),
                    labels,
                    prepared.clone(),
                ),
            );
        }
        Ok(prepared)
    }

    /// Distinct normalized operations cached.
    pub fn len(&self) -> usize {
        self.normalized
            .lock()
            .map(|entries| entries.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many operations were planned (cache misses) since start.
    pub fn planned(&self) -> usize {
        self.planned.load(Ordering::Relaxed)
    }
}

fn cache_key(query: &str, operation_name: Option<&str>, labels: Labels) -> u64 {
    let mut hasher = DefaultHasher::new();
    query.hash(&mut hasher);
    operation_name.hash(&mut hasher);
    labels.hash(&mut hasher);
    hasher.finish()
}

fn parse(query: &str) -> Result<apollo_compiler::ast::Document, PrepareError> {
    apollo_compiler::ast::Document::parse(query, "operation.graphql").map_err(|with_errors| {
        PrepareError::Parse(with_errors.errors.iter().map(|d| d.to_json()).collect())
    })
}

/// Parses, validates and plans `query` (the `router plan` command; requests go through
/// [`PlanCache`]).
pub fn prepare(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    max_depth: usize,
) -> Result<Prepared, PrepareError> {
    let ast = parse(query)?;
    let normalized = ast.serialize().no_indent().to_string();
    prepare_ast(
        supergraph,
        &ast,
        normalized,
        operation_name,
        Labels::default(),
        PrepareLimits {
            max_depth,
            default_list_size: None,
        },
    )
}

fn prepare_ast(
    supergraph: &Supergraph,
    ast: &apollo_compiler::ast::Document,
    normalized: String,
    operation_name: Option<&str>,
    labels: Labels,
    limits: PrepareLimits,
) -> Result<Prepared, PrepareError> {
    let max_depth = limits.max_depth;
    let document = ast
        .to_executable_validate(&supergraph.api)
        .map_err(|with_errors| {
            PrepareError::Validation(with_errors.errors.iter().map(|d| d.to_json()).collect())
        })?;
    let operation = Operation::from_document(&document, operation_name).map_err(|err| {
        PrepareError::Validation(vec![GraphQLError {
            message: err.to_string(),
            locations: Vec::new(),
            path: Vec::new(),
            extensions: Default::default(),
        }])
    })?;
    if depth(&operation.selection_set.items) > max_depth {
        return Err(PrepareError::Validation(vec![GraphQLError {
            message: format!("the operation is nested deeper than {max_depth} levels"),
            locations: Vec::new(),
            path: Vec::new(),
            extensions: Default::default(),
        }]));
    }
    let introspection = operation.kind == OperationType::Query
        && operation.selection_set.items.iter().any(|item| {
            matches!(item, federation::operation::Selection::Field(field) if matches!(field.name.as_str(), "__schema" | "__type"))
        });
    let cost = match limits.default_list_size {
        Some(default_list_size) => Some(
            CostPlan::compile(supergraph, &operation, default_list_size).map_err(|err| {
                PrepareError::Validation(vec![GraphQLError {
                    message: err.to_string(),
                    locations: Vec::new(),
                    path: Vec::new(),
                    extensions: Default::default(),
                }])
            })?,
        ),
        None => None,
    };
    let plan = federation::planner::plan_with_labels(supergraph, &operation, labels)
        .map_err(PrepareError::Plan)?;
    Ok(Prepared {
        document,
        operation,
        plan,
        introspection,
        cost,
        query: normalized,
        operation_name: operation_name.map(str::to_owned),
        labels,
    })
}

fn depth(items: &[federation::operation::Selection]) -> usize {
    use federation::operation::Selection;
    items
        .iter()
        .map(|item| match item {
            Selection::Field(field) => {
                1 + field.selection_set.as_ref().map_or(0, |s| depth(&s.items))
            }
            Selection::Fragment(fragment) => depth(&fragment.selection_set.items),
        })
        .max()
        .unwrap_or(0)
}
