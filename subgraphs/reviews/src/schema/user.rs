//! `User`, an entity owned by the users subgraph, extended here with the user's reviews. A
//! review's author comes with the display name stored on the review (`@provides`).

use super::pages::{self, PageKey, ReviewConnection, ReviewSort};
use async_graphql::{Context, ID, Object};
use kit::ApiError;
use uuid::Uuid;

/// A user, known here by id (and by display name when reached through a review).
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    display_name: Option<String>,
}

impl User {
    /// The author of a review, with the name stored on it.
    pub fn with_name(id: Uuid, display_name: String) -> Self {
        Self {
            id,
            display_name: Some(display_name),
        }
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Owned by the users subgraph; served here only where a review provides it.
    #[graphql(external)]
    async fn display_name(&self) -> Result<&str, ApiError> {
        self.display_name
            .as_deref()
            .ok_or_else(|| ApiError::BadUserInput {
                message: "User.displayName is resolved by the users subgraph".to_owned(),
                field: None,
            })
    }

    /// The reviews this user wrote, newest first by default.
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many reviews, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        sort: Option<ReviewSort>,
    ) -> Result<ReviewConnection, ApiError> {
        pages::of_author(ctx, PageKey::parse(self.id, sort, first, after)?).await
    }
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// Resolves `User` references: any well-formed id (the users subgraph owns which exist).
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(&id).ok().map(|id| User {
            id,
            display_name: None,
        })
    }
}
