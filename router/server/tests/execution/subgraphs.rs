//! The store fixture's four subgraphs (accounts, inventory, products, reviews) as small
//! async-graphql services with in-memory data, matching `federation/tests/fixtures/store.graphql`.
//! Root types are named `Query` and `Mutation`: async-graphql's federation SDL has no schema
//! definition to name other roots, and composition reads it (`composed.rs`).

use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};
use std::time::Duration;

// ---------------------------------------------------------------- accounts

#[derive(SimpleObject, Clone)]
pub struct User {
    id: ID,
    name: String,
    username: String,
    password_hash: String,
}

fn user(id: &str) -> Option<User> {
    let (name, username) = match id {
        "1" => ("Ada Lovelace", "ada"),
        "2" => ("Alan Turing", "alan"),
        _ => return None,
    };
    Some(User {
        id: ID(id.to_owned()),
        name: name.to_owned(),
        username: username.to_owned(),
        password_hash: "secret".to_owned(),
    })
}

pub struct AccountsQuery;

#[Object(name = "Query")]
impl AccountsQuery {
    async fn me(&self) -> Option<User> {
        user("1")
    }

    async fn user(&self, id: ID) -> Option<User> {
        user(&id)
    }

    async fn secret(&self) -> &str {
        "inaccessible"
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        user(&id)
    }
}

pub struct AccountsMutation;

#[Object(name = "Mutation")]
impl AccountsMutation {
    async fn login(&self, username: String) -> Option<User> {
        ["1", "2"]
            .into_iter()
            .filter_map(user)
            .find(|u| u.username == username)
    }

    async fn logout(&self) -> bool {
        true
    }
}

pub fn accounts() -> Schema<AccountsQuery, AccountsMutation, EmptySubscription> {
    Schema::build(AccountsQuery, AccountsMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- products

#[derive(SimpleObject, Clone)]
pub struct Product {
    /// Nullable here (a subgraph bug the router must contain); `String!` in the supergraph.
    upc: Option<String>,
    name: String,
    price: i32,
    weight: i32,
}

fn products() -> Vec<Product> {
    [
        ("1", "Table", 899, 100),
        ("2", "Couch", 1299, 1000),
        ("3", "Chair", 54, 50),
    ]
    .into_iter()
    .map(|(upc, name, price, weight)| Product {
        upc: Some(upc.to_owned()),
        name: name.to_owned(),
        price,
        weight,
    })
    .collect()
}

pub struct ProductsQuery;

#[Object(name = "Query")]
impl ProductsQuery {
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Product> {
        products().into_iter().take(first.max(0) as usize).collect()
    }

    async fn discontinued(&self) -> Vec<Product> {
        vec![Product {
            upc: None,
            name: "Ghost".to_owned(),
            price: 0,
            weight: 0,
        }]
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        products()
            .into_iter()
            .find(|p| p.upc.as_deref() == Some(upc.as_str()))
    }
}

pub fn products_schema() -> Schema<ProductsQuery, EmptyMutation, EmptySubscription> {
    Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- inventory

pub struct InventoryProduct {
    upc: String,
    price: Option<i32>,
    weight: Option<i32>,
}

#[Object(name = "Product")]
impl InventoryProduct {
    async fn upc(&self) -> &str {
        &self.upc
    }

    #[graphql(external)]
    async fn price(&self) -> Option<i32> {
        self.price
    }

    #[graphql(external)]
    async fn weight(&self) -> Option<i32> {
        self.weight
    }

    async fn in_stock(&self) -> bool {
        self.upc != "2"
    }

    #[graphql(requires = "price weight")]
    async fn shipping_estimate(&self) -> Option<i32> {
        // Free above 1000, otherwise half the weight.
        let price = self.price?;
        Some(if price > 1000 { 0 } else { self.weight? / 2 })
    }
}

pub struct InventoryQuery;

#[Object(name = "Query")]
impl InventoryQuery {
    #[graphql(entity)]
    async fn find_product_by_upc(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
        weight: Option<i32>,
    ) -> InventoryProduct {
        InventoryProduct { upc, price, weight }
    }
}

pub fn inventory() -> Schema<InventoryQuery, EmptyMutation, EmptySubscription> {
    Schema::build(InventoryQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- reviews

#[derive(Clone)]
pub struct Review {
    id: &'static str,
    body: &'static str,
    author: &'static str,
    product: &'static str,
}

const REVIEWS: &[Review] = &[
    Review {
        id: "1",
        body: "Love it!",
        author: "1",
        product: "1",
    },
    Review {
        id: "2",
        body: "Too expensive.",
        author: "1",
        product: "2",
    },
    Review {
        id: "3",
        body: "Could be better.",
        author: "2",
        product: "3",
    },
    Review {
        id: "4",
        body: "Prefer something else.",
        author: "2",
        product: "1",
    },
];

const USERNAMES: &[(&str, &str)] = &[("1", "ada"), ("2", "alan")];

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.id.to_owned())
    }

    async fn body(&self, ctx: &Context<'_>) -> String {
        if let Some(delay) = ctx.data_opt::<Duration>() {
            tokio::time::sleep(*delay).await;
        }
        self.body.to_owned()
    }

    #[graphql(provides = "username")]
    async fn author(&self) -> ReviewUser {
        ReviewUser { id: self.author }
    }

    async fn product(&self) -> ReviewProduct {
        ReviewProduct { upc: self.product }
    }
}

pub struct ReviewUser {
    id: &'static str,
}

#[Object(name = "User")]
impl ReviewUser {
    async fn id(&self) -> ID {
        ID(self.id.to_owned())
    }

    #[graphql(external)]
    async fn username(&self) -> Option<&str> {
        USERNAMES
            .iter()
            .find(|(id, _)| *id == self.id)
            .map(|(_, name)| *name)
    }

    async fn reviews(&self) -> Vec<Review> {
        REVIEWS
            .iter()
            .filter(|r| r.author == self.id)
            .cloned()
            .collect()
    }
}

pub struct ReviewProduct {
    upc: &'static str,
}

#[Object(name = "Product")]
impl ReviewProduct {
    async fn upc(&self) -> &str {
        self.upc
    }

    async fn reviews(&self) -> Vec<Review> {
        REVIEWS
            .iter()
            .filter(|r| r.product == self.upc)
            .cloned()
            .collect()
    }

    /// Fails for the couch, with a code, to test how subgraph errors reach clients.
    async fn flagged(&self) -> async_graphql::Result<bool> {
        use async_graphql::ErrorExtensions;
        if self.upc == "2" {
            Err(
                async_graphql::Error::new("moderation is unavailable for this product")
                    .extend_with(|_, ext| ext.set("code", "FORBIDDEN")),
            )
        } else {
            Ok(false)
        }
    }
}

pub struct ReviewsQuery;

#[Object(name = "Query")]
impl ReviewsQuery {
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> ReviewUser {
        let id = USERNAMES
            .iter()
            .map(|(id, _)| *id)
            .find(|known| **known == *id)
            .unwrap_or("0");
        ReviewUser { id }
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> ReviewProduct {
        let upc = ["1", "2", "3"]
            .into_iter()
            .find(|known| *known == upc)
            .unwrap_or("0");
        ReviewProduct { upc }
    }
}

pub struct ReviewsMutation;

#[Object(name = "Mutation")]
impl ReviewsMutation {
    async fn add_review(&self, upc: String, body: String) -> Review {
        let product = ["1", "2", "3"]
            .into_iter()
            .find(|known| *known == upc)
            .unwrap_or("0");
        Review {
            id: "5",
            body: Box::leak(body.into_boxed_str()),
            author: "1",
            product,
        }
    }
}

pub fn reviews() -> Schema<ReviewsQuery, ReviewsMutation, EmptySubscription> {
    Schema::build(ReviewsQuery, ReviewsMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// The reviews subgraph answering `Review.body` only after `delay` (a slow subgraph).
pub fn slow_reviews(delay: Duration) -> Schema<ReviewsQuery, ReviewsMutation, EmptySubscription> {
    Schema::build(ReviewsQuery, ReviewsMutation, EmptySubscription)
        .enable_federation()
        .data(delay)
        .finish()
}
