//! Subgraphs for the router benchmark: the store supergraph's four subgraphs
//! (`router/federation/tests/fixtures/store.graphql`) with 50 products, 250 reviews and
//! 100 users, so one query crosses every subgraph with entity jumps at several levels,
//! `@requires` and `@provides`, and answers tens of kilobytes.

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};

pub const PRODUCTS: usize = 50;
pub const REVIEWS_PER_PRODUCT: usize = 5;
pub const USERS: usize = 100;

fn username(user: usize) -> String {
    format!("user{user}")
}

fn review_author(review: usize) -> usize {
    (review * 7) % USERS
}

fn review_product(review: usize) -> usize {
    review / REVIEWS_PER_PRODUCT
}

// ---------------------------------------------------------------- accounts

#[derive(SimpleObject)]
pub struct User {
    id: ID,
    name: String,
    username: String,
}

fn user(id: &str) -> Option<User> {
    let index: usize = id.strip_prefix('u')?.parse().ok().filter(|i| *i < USERS)?;
    Some(User {
        id: ID(id.to_owned()),
        name: format!("Customer number {index}"),
        username: username(index),
    })
}

pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    async fn me(&self) -> Option<User> {
        user("u1")
    }

    async fn user(&self, id: ID) -> Option<User> {
        user(&id)
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        user(&id)
    }
}

pub fn accounts() -> Schema<AccountsQuery, EmptyMutation, EmptySubscription> {
    Schema::build(AccountsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- products

#[derive(SimpleObject)]
pub struct Product {
    upc: String,
    name: String,
    price: i32,
    weight: i32,
}

fn product(index: usize) -> Product {
    Product {
        upc: format!("p{index}"),
        name: format!("Product {index}: a sturdy and well made thing"),
        price: (index as i32 * 137) % 2000,
        weight: (index as i32 * 31) % 500 + 1,
    }
}

pub struct ProductsQuery;

#[Object]
impl ProductsQuery {
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Product> {
        (0..PRODUCTS.min(first.max(0) as usize))
            .map(product)
            .collect()
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        let index: usize = upc
            .strip_prefix('p')?
            .parse()
            .ok()
            .filter(|i| *i < PRODUCTS)?;
        Some(product(index))
    }
}

pub fn products() -> Schema<ProductsQuery, EmptyMutation, EmptySubscription> {
    Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- inventory

pub struct StockedProduct {
    upc: String,
    price: Option<i32>,
    weight: Option<i32>,
}

#[Object(name = "Product")]
impl StockedProduct {
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
        !self.upc.ends_with('7')
    }

    #[graphql(requires = "price weight")]
    async fn shipping_estimate(&self) -> Option<i32> {
        let price = self.price?;
        Some(if price > 1000 { 0 } else { self.weight? / 2 })
    }
}

pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    #[graphql(entity)]
    async fn find_product_by_upc(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
        weight: Option<i32>,
    ) -> StockedProduct {
        StockedProduct { upc, price, weight }
    }
}

pub fn inventory() -> Schema<InventoryQuery, EmptyMutation, EmptySubscription> {
    Schema::build(InventoryQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- reviews

pub struct Review {
    index: usize,
}

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(format!("r{}", self.index))
    }

    async fn body(&self) -> String {
        format!(
            "Review {} of product {}: does what it says, would buy again.",
            self.index,
            review_product(self.index)
        )
    }

    #[graphql(provides = "username")]
    async fn author(&self) -> ReviewAuthor {
        ReviewAuthor {
            index: review_author(self.index),
        }
    }

    async fn product(&self) -> ReviewedProduct {
        ReviewedProduct {
            index: review_product(self.index),
        }
    }
}

pub struct ReviewAuthor {
    index: usize,
}

#[Object(name = "User")]
impl ReviewAuthor {
    async fn id(&self) -> ID {
        ID(format!("u{}", self.index))
    }

    #[graphql(external)]
    async fn username(&self) -> String {
        username(self.index)
    }

    async fn reviews(&self) -> Vec<Review> {
        (0..PRODUCTS * REVIEWS_PER_PRODUCT)
            .filter(|review| review_author(*review) == self.index)
            .map(|index| Review { index })
            .collect()
    }
}

pub struct ReviewedProduct {
    index: usize,
}

#[Object(name = "Product")]
impl ReviewedProduct {
    async fn upc(&self) -> String {
        format!("p{}", self.index)
    }

    async fn reviews(&self) -> Vec<Review> {
        (self.index * REVIEWS_PER_PRODUCT..(self.index + 1) * REVIEWS_PER_PRODUCT)
            .map(|index| Review { index })
            .collect()
    }
}

pub struct ReviewsQuery;

#[Object]
impl ReviewsQuery {
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<ReviewAuthor> {
        let index = id.strip_prefix('u')?.parse().ok().filter(|i| *i < USERS)?;
        Some(ReviewAuthor { index })
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<ReviewedProduct> {
        let index = upc
            .strip_prefix('p')?
            .parse()
            .ok()
            .filter(|i| *i < PRODUCTS)?;
        Some(ReviewedProduct { index })
    }
}

pub fn reviews() -> Schema<ReviewsQuery, EmptyMutation, EmptySubscription> {
    Schema::build(ReviewsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
