//! `User`, an entity owned by the users subgraph, extended here with the user's orders: a
//! connection, newest first, that only the user themself and the staff may read.

use super::order::{Order, OrderRow};
use super::state;
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use kit::ApiError;
use kit::graphql::caller;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 100;

pub type OrderConnection = Connection<String, Order, EmptyFields, EmptyFields>;

/// A user, known here by id.
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub id: Uuid,
}

/// Where a page of orders starts: after the order placed at `at` with id `id`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct OrderCursor {
    at: DateTime<Utc>,
    id: Uuid,
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The user's orders, newest first: for the user and the staff only.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many orders, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrderConnection, ApiError> {
        let identity = caller(ctx).identity()?;
        if identity.user_id != self.id && !identity.is_staff() {
            return Err(ApiError::Forbidden(
                "only the user and the staff may see a user's orders".to_owned(),
            ));
        }
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let after = after
            .map(|cursor| {
                OpaqueCursor::<OrderCursor>::decode_cursor(&cursor)
                    .map(|cursor| cursor.0)
                    .map_err(|_| ApiError::bad_input("after", "not a cursor from this list"))
            })
            .transpose()?;
        let rows = sqlx::query_as!(
            OrderRow,
            "SELECT id, customer_id, status, total_amount, currency, reason, pay_by, created_at,
                    updated_at
             FROM orders
             WHERE customer_id = $1
               AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
             ORDER BY created_at DESC, id DESC
             LIMIT $4",
            self.id,
            after.map(|cursor| cursor.at),
            after.map(|cursor| cursor.id),
            i64::from(first) + 1
        )
        .fetch_all(&state(ctx).pool)
        .await?;
        let page = usize::try_from(first).unwrap_or(20);
        let mut connection = Connection::new(after.is_some(), rows.len() > page);
        for row in rows.into_iter().take(page) {
            let order = row.into_order()?;
            let cursor = OpaqueCursor(OrderCursor {
                at: order.created_at,
                id: order.id,
            })
            .encode_cursor();
            connection.edges.push(Edge::new(cursor, order));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// Resolves `User` references: any well-formed id (the users subgraph owns which exist).
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(&id).ok().map(|id| User { id })
    }
}
