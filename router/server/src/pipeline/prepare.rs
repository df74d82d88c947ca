//! Parse, validate and plan an operation, once: the result is cached by the operation's text
//! and name, so a repeated operation costs a hash and a lookup.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::OperationType;
use apollo_compiler::response::GraphQLError;
use apollo_compiler::validation::Valid;
use federation::operation::Operation;
use federation::{PlanError, QueryPlan, Supergraph};
use lru::LruCache;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// An operation ready to execute.
pub struct Prepared {
    pub document: Valid<ExecutableDocument>,
    pub operation: Operation,
    pub plan: QueryPlan,
    /// The operation selects `__schema` or `__type` at its root.
    pub introspection: bool,
    query: String,
    operation_name: Option<String>,
}

/// Why an operation cannot run. All but `Plan` are the client's to fix.
#[derive(Debug)]
pub enum PrepareError {
    Parse(Vec<GraphQLError>),
    Validation(Vec<GraphQLError>),
    Plan(PlanError),
}

pub struct PlanCache {
    entries: Mutex<LruCache<u64, Arc<Prepared>>>,
}

impl PlanCache {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The prepared operation, from the cache or made now.
    pub fn get_or_prepare(
        &self,
        supergraph: &Supergraph,
        query: &str,
        operation_name: Option<&str>,
        max_depth: usize,
    ) -> Result<Arc<Prepared>, PrepareError> {
        let key = cache_key(query, operation_name);
        if let Ok(mut entries) = self.entries.lock()
            && let Some(prepared) = entries.get(&key)
            && prepared.query == query
            && prepared.operation_name.as_deref() == operation_name
        {
            return Ok(prepared.clone());
        }
        let prepared = Arc::new(prepare(supergraph, query, operation_name, max_depth)?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, prepared.clone());
        }
        Ok(prepared)
    }

    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .map(|entries| entries.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn cache_key(query: &str, operation_name: Option<&str>) -> u64 {
    let mut hasher = DefaultHasher::new();
    query.hash(&mut hasher);
    operation_name.hash(&mut hasher);
    hasher.finish()
}

pub fn prepare(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    max_depth: usize,
) -> Result<Prepared, PrepareError> {
    let ast = apollo_compiler::ast::Document::parse(query, "operation.graphql").map_err(
        |with_errors| PrepareError::Parse(with_errors.errors.iter().map(|d| d.to_json()).collect()),
    )?;
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
    let plan = federation::planner::plan(supergraph, &operation).map_err(PrepareError::Plan)?;
    Ok(Prepared {
        document,
        operation,
        plan,
        introspection,
        query: query.to_owned(),
        operation_name: operation_name.map(str::to_owned),
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
