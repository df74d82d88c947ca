//! Creates the demo data set through the router, skipping whatever is already there, so a
//! second run changes nothing: an account that exists (`CONFLICT`) is signed in instead,
//! categories are found by slug, products by SKU, a review the author already wrote answers
//! `CONFLICT`, and the order's idempotency key returns the order placed first.
//!
//! The one thing the API cannot do is make the first admin: that takes an admin. The seed
//! does what `users grant-role` does, with the users subgraph's own library function on its
//! database, then signs the admin in again for a token that carries the role.

use crate::api::{Api, ApiError};
use crate::data::{self, ACCOUNTS, CATEGORIES, CURRENCY, ORDERS, PASSWORD, PRODUCTS, REVIEWS};
use kit::Role;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("cannot make {email} an admin: {source}")]
    Grant {
        email: String,
        #[source]
        source: users::operator::OperatorError,
    },
    #[error("{operation}: unexpected answer, no {what}")]
    Unexpected {
        operation: &'static str,
        what: &'static str,
    },
    #[error("the demo data names an unknown {kind} `{name}`")]
    UnknownReference {
        kind: &'static str,
        name: &'static str,
    },
}

/// What a run created; all zero when everything was there already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub accounts: usize,
    pub admins_granted: usize,
    pub categories: usize,
    pub products: usize,
    pub reviews: usize,
    pub orders: usize,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} accounts, {} categories, {} products, {} reviews, {} orders created ({})",
            self.accounts,
            self.categories,
            self.products,
            self.reviews,
            self.orders,
            if *self == Self::default() {
                "all there already"
            } else {
                "the rest was there"
            },
        )
    }
}

/// A demo account, signed in.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub access_token: String,
}

/// The outcome of a run: what it created, and the ids and sessions it used.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub report: SeedReport,
    /// By email.
    pub sessions: HashMap<&'static str, Session>,
    /// By slug.
    pub categories: HashMap<&'static str, String>,
    /// By SKU.
    pub products: HashMap<&'static str, String>,
    /// The demo orders' ids, in the order of [`data::ORDERS`].
    pub orders: Vec<String>,
}

impl Seeded {
    pub fn token(&self, email: &str) -> Option<&str> {
        self.sessions
            .get(email)
            .map(|session| session.access_token.as_str())
    }
}

const REGISTER: &str = "mutation Register($input: RegisterInput!) {
  register(input: $input) { accessToken user { id roles } } }";
const LOGIN: &str = "mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken user { id roles } } }";
const CATEGORIES_QUERY: &str = "query Categories {
  categories { id slug children { id slug children { id slug } } } }";
const CREATE_CATEGORY: &str = "mutation CreateCategory($input: CreateCategoryInput!) {
  createCategory(input: $input) { category { id } } }";
const PRODUCT_BY_SKU: &str = "query ProductBySku($sku: String!) { product(sku: $sku) { id } }";
const CREATE_PRODUCT: &str = "mutation CreateProduct($input: CreateProductInput!) {
  createProduct(input: $input) { product { id } } }";
const CREATE_REVIEW: &str = "mutation CreateReview($input: CreateReviewInput!) {
  createReview(input: $input) { review { id } } }";
const PLACE_ORDER: &str = "mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { created order { id } } }";

/// Creates what is missing of the demo data set through the router at `api`. `users_db` is
/// the users subgraph's database, for granting the admin role.
pub async fn seed(api: &Api, users_db: &PgPool) -> Result<Seeded, SeedError> {
    let mut report = SeedReport::default();
    let sessions = accounts(api, users_db, &mut report).await?;
    let admin = sessions
        .get(data::ADMIN_EMAIL)
        .map(|session| session.access_token.clone())
        .ok_or(SeedError::UnknownReference {
            kind: "account",
            name: data::ADMIN_EMAIL,
        })?;
    let categories = categories(api, &admin, &mut report).await?;
    let products = products(api, &admin, &categories, &mut report).await?;
    reviews(api, &sessions, &products, &mut report).await?;
    let orders = orders(api, &sessions, &products, &mut report).await?;
    tracing::info!(?report, "demo data in place");
    Ok(Seeded {
        report,
        sessions,
        categories,
        products,
        orders,
    })
}

/// Registers each account, or signs it in when it exists; makes the admins admins.
async fn accounts(
    api: &Api,
    users_db: &PgPool,
    report: &mut SeedReport,
) -> Result<HashMap<&'static str, Session>, SeedError> {
    let mut sessions = HashMap::new();
    for account in ACCOUNTS {
        let registered = api
            .call(
                "register",
                REGISTER,
                json!({ "input": {
                    "email": account.email,
                    "password": PASSWORD,
                    "displayName": account.display_name,
                } }),
                None,
            )
            .await;
        let mut payload = match registered {
            Ok(data) => {
                report.accounts += 1;
                tracing::info!(email = account.email, "demo account registered");
                data["register"].clone()
            }
            Err(err) if err.code() == Some("CONFLICT") => login(api, account.email).await?,
            Err(err) => return Err(err.into()),
        };
        let is_admin = payload["user"]["roles"]
            .as_array()
            .is_some_and(|roles| roles.iter().any(|role| role == "ADMIN"));
        if account.admin && !is_admin {
            users::operator::grant_role(users_db, account.email, Role::Admin)
                .await
                .map_err(|source| SeedError::Grant {
                    email: account.email.to_owned(),
                    source,
                })?;
            report.admins_granted += 1;
            tracing::info!(email = account.email, "demo account made an admin");
            // The role is in the token: sign in again for one that carries it.
            payload = login(api, account.email).await?;
        }
        let session = Session {
            user_id: text(&payload["user"]["id"], "login", "user id")?,
            access_token: text(&payload["accessToken"], "login", "access token")?,
        };
        sessions.insert(account.email, session);
    }
    Ok(sessions)
}

async fn login(api: &Api, email: &str) -> Result<Value, SeedError> {
    let data = api
        .call(
            "login",
            LOGIN,
            json!({ "input": { "email": email, "password": PASSWORD } }),
            None,
        )
        .await?;
    Ok(data["login"].clone())
}

/// The category tree: the slugs there already, then the missing ones, parents first.
async fn categories(
    api: &Api,
    admin: &str,
    report: &mut SeedReport,
) -> Result<HashMap<&'static str, String>, SeedError> {
    let tree = api
        .call("categories", CATEGORIES_QUERY, json!({}), None)
        .await?;
    let mut existing = HashMap::new();
    collect_slugs(&tree["categories"], &mut existing);
    let mut ids = HashMap::new();
    for category in CATEGORIES {
        if let Some(id) = existing.get(category.slug) {
            ids.insert(category.slug, id.clone());
            continue;
        }
        let parent =
            match category.parent {
                Some(parent) => Some(ids.get(parent).cloned().ok_or(
                    SeedError::UnknownReference {
                        kind: "category",
                        name: parent,
                    },
                )?),
                None => None,
            };
        let data = api
            .call(
                "createCategory",
                CREATE_CATEGORY,
                json!({ "input": { "name": category.name, "slug": category.slug, "parentId": parent } }),
                Some(admin),
            )
            .await?;
        let id = text(
            &data["createCategory"]["category"]["id"],
            "createCategory",
            "category id",
        )?;
        report.categories += 1;
        tracing::info!(slug = category.slug, "demo category created");
        ids.insert(category.slug, id);
    }
    Ok(ids)
}

fn collect_slugs(categories: &Value, into: &mut HashMap<String, String>) {
    for category in categories.as_array().into_iter().flatten() {
        if let (Some(slug), Some(id)) = (category["slug"].as_str(), category["id"].as_str()) {
            into.insert(slug.to_owned(), id.to_owned());
        }
        collect_slugs(&category["children"], into);
    }
}

/// Each product found by SKU, or created with its price and stock.
async fn products(
    api: &Api,
    admin: &str,
    categories: &HashMap<&'static str, String>,
    report: &mut SeedReport,
) -> Result<HashMap<&'static str, String>, SeedError> {
    let mut ids = HashMap::new();
    for product in PRODUCTS {
        let found = api
            .call(
                "product",
                PRODUCT_BY_SKU,
                json!({ "sku": product.sku }),
                None,
            )
            .await?;
        if let Some(id) = found["product"]["id"].as_str() {
            ids.insert(product.sku, id.to_owned());
            continue;
        }
        let category = categories
            .get(product.category)
            .ok_or(SeedError::UnknownReference {
                kind: "category",
                name: product.category,
            })?;
        let data = api
            .call(
                "createProduct",
                CREATE_PRODUCT,
                json!({ "input": {
                    "sku": product.sku,
                    "name": product.name,
                    "description": product.description,
                    "price": { "amount": product.price, "currency": CURRENCY },
                    "categoryId": category,
                    "initialStock": product.stock,
                } }),
                Some(admin),
            )
            .await?;
        let id = text(
            &data["createProduct"]["product"]["id"],
            "createProduct",
            "product id",
        )?;
        report.products += 1;
        tracing::info!(sku = product.sku, "demo product created");
        ids.insert(product.sku, id);
    }
    Ok(ids)
}

/// Each review, unless its author already reviewed the product (`CONFLICT`).
async fn reviews(
    api: &Api,
    sessions: &HashMap<&'static str, Session>,
    products: &HashMap<&'static str, String>,
    report: &mut SeedReport,
) -> Result<(), SeedError> {
    for review in REVIEWS {
        let author = session(sessions, review.author)?;
        let product = product(products, review.sku)?;
        let created = api
            .call(
                "createReview",
                CREATE_REVIEW,
                json!({ "input": {
                    "productId": product,
                    "rating": review.rating,
                    "title": review.title,
                    "body": review.body,
                } }),
                Some(&author.access_token),
            )
            .await;
        match created {
            Ok(_) => {
                report.reviews += 1;
                tracing::info!(
                    author = review.author,
                    sku = review.sku,
                    "demo review created"
                );
            }
            Err(err) if err.code() == Some("CONFLICT") => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// Each order, placed with its fixed idempotency key (a repeat returns the first order).
async fn orders(
    api: &Api,
    sessions: &HashMap<&'static str, Session>,
    products: &HashMap<&'static str, String>,
    report: &mut SeedReport,
) -> Result<Vec<String>, SeedError> {
    let mut ids = Vec::new();
    for order in ORDERS {
        let customer = session(sessions, order.customer)?;
        let lines = order
            .lines
            .iter()
            .map(|(sku, quantity)| {
                Ok(json!({ "productId": product(products, sku)?, "quantity": quantity }))
            })
            .collect::<Result<Vec<_>, SeedError>>()?;
        let data = api
            .call(
                "placeOrder",
                PLACE_ORDER,
                json!({ "input": {
                    "idempotencyKey": order.idempotency_key,
                    "lines": lines,
                } }),
                Some(&customer.access_token),
            )
            .await?;
        if data["placeOrder"]["created"].as_bool() == Some(true) {
            report.orders += 1;
            tracing::info!(customer = order.customer, "demo order placed");
        }
        ids.push(text(
            &data["placeOrder"]["order"]["id"],
            "placeOrder",
            "order id",
        )?);
    }
    Ok(ids)
}

fn session<'a>(
    sessions: &'a HashMap<&'static str, Session>,
    email: &'static str,
) -> Result<&'a Session, SeedError> {
    sessions.get(email).ok_or(SeedError::UnknownReference {
        kind: "account",
        name: email,
    })
}

fn product<'a>(
    products: &'a HashMap<&'static str, String>,
    sku: &'static str,
) -> Result<&'a str, SeedError> {
    products
        .get(sku)
        .map(String::as_str)
        .ok_or(SeedError::UnknownReference {
            kind: "product",
            name: sku,
        })
}

fn text(value: &Value, operation: &'static str, what: &'static str) -> Result<String, SeedError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or(SeedError::Unexpected { operation, what })
}
