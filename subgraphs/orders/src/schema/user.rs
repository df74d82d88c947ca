//! `User`, an entity owned by the users subgraph, extended here with the user's orders: a
//! connection, newest first, that only the user themself and the staff may read. The pages of
//! many users asked with the same arguments are one SQL query (a dataloader keyed by user and
//! page arguments, a `LATERAL` join over the users' ids).

use super::order::{Order, OrderRow};
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use kit::ApiError;
use kit::graphql::caller;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderCursor {
    at: DateTime<Utc>,
    id: Uuid,
}

/// One page of one user's orders, as a loader key. Keys that share `first` and `after` are
/// loaded by one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub customer: Uuid,
    /// The page size, 1 to [`MAX_PAGE`].
    pub first: i32,
    pub after: Option<OrderCursor>,
}

impl PageKey {
    /// Checks the arguments of `User.orders`.
    fn parse(customer: Uuid, first: Option<i32>, after: Option<String>) -> Result<Self, ApiError> {
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
        Ok(Self {
            customer,
            first,
            after,
        })
    }
}

/// One user's page: their orders from the cursor on, newest first, one more than asked when
/// there is a next page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    orders: Vec<Order>,
}

impl Page {
    fn into_connection(self, key: PageKey) -> OrderConnection {
        let size = usize::try_from(key.first).unwrap_or(usize::MAX);
        let mut connection = Connection::new(key.after.is_some(), self.orders.len() > size);
        for order in self.orders.into_iter().take(size) {
            let cursor = OpaqueCursor(OrderCursor {
                at: order.created_at,
                id: order.id,
            })
            .encode_cursor();
            connection.edges.push(Edge::new(cursor, order));
        }
        connection
    }
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
        let key = PageKey::parse(self.id, first, after)?;
        let page = ctx
            .data_unchecked::<DataLoader<OrdersPageLoader>>()
            .load_one(key)
            .await
            .map_err(|err| ApiError::internal(err.to_string()))?
            .unwrap_or_default();
        Ok(page.into_connection(key))
    }
}

/// Pages of users' orders: one query per distinct (`first`, `after`) in a batch.
pub struct OrdersPageLoader(pub PgPool);

impl Loader<PageKey> for OrdersPageLoader {
    type Value = Page;
    type Error = Arc<sqlx::Error>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Page>, Self::Error> {
        let mut groups: HashMap<(i32, Option<OrderCursor>), Vec<Uuid>> = HashMap::new();
        // The loader hands each key once, so each user is in their group once.
        for key in keys {
            groups
                .entry((key.first, key.after))
                .or_default()
                .push(key.customer);
        }
        let mut pages = HashMap::with_capacity(keys.len());
        for ((first, after), customers) in groups {
            // Each customer's newest orders after the cursor, through the index on
            // (customer_id, created_at DESC, id DESC): the same ordering and cut as one
            // customer's query, repeated per id of the batch.
            let rows = sqlx::query_as!(
                OrderRow,
                r#"SELECT o.id AS "id!", o.customer_id AS "customer_id!", o.status AS "status!",
                          o.total_amount AS "total_amount!", o.currency AS "currency!", o.reason,
                          o.pay_by AS "pay_by!", o.created_at AS "created_at!",
                          o.updated_at AS "updated_at!"
                   FROM unnest($1::uuid[]) AS c (customer_id)
                   CROSS JOIN LATERAL (
                       SELECT id, customer_id, status, total_amount, currency, reason, pay_by,
                              created_at, updated_at
                       FROM orders
                       WHERE orders.customer_id = c.customer_id
                         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
                       ORDER BY created_at DESC, id DESC
                       LIMIT $4
                   ) o
                   ORDER BY o.customer_id, o.created_at DESC, o.id DESC"#,
                &customers,
                after.map(|cursor| cursor.at),
                after.map(|cursor| cursor.id),
                i64::from(first) + 1
            )
            .fetch_all(&self.0)
            .await?;
            let mut by_customer: HashMap<Uuid, Page> = customers
                .iter()
                .map(|customer| (*customer, Page::default()))
                .collect();
            for row in rows {
                let order = row.into_order()?;
                if let Some(page) = by_customer.get_mut(&order.customer_id) {
                    page.orders.push(order);
                }
            }
            pages.extend(by_customer.into_iter().map(|(customer, page)| {
                (
                    PageKey {
                        customer,
                        first,
                        after,
                    },
                    page,
                )
            }));
        }
        Ok(pages)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_arguments_are_checked() {
        let user = Uuid::new_v4();
        let key = PageKey::parse(user, None, None).expect("defaults");
        assert_eq!((key.first, key.after), (DEFAULT_PAGE, None));
        for first in [0, -1, MAX_PAGE + 1] {
            assert!(PageKey::parse(user, Some(first), None).is_err(), "{first}");
        }
        assert!(PageKey::parse(user, Some(MAX_PAGE), None).is_ok());
        assert!(PageKey::parse(user, None, Some("nope".to_owned())).is_err());

        let cursor = OrderCursor {
            at: Utc::now(),
            id: Uuid::new_v4(),
        };
        let encoded = OpaqueCursor(cursor).encode_cursor();
        let key = PageKey::parse(user, Some(2), Some(encoded)).expect("a cursor of this list");
        assert_eq!(key.after, Some(cursor));
    }
}
