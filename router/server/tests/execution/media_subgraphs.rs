//! The media fixture's subgraphs (catalog, pricing, search, social), matching
//! `federation/tests/fixtures/media.graphql`: interfaces and unions spread over subgraphs,
//! compound and nested keys, an overridden field, requirements with nested fields and
//! fragments.

use async_graphql::{
    EmptyMutation, EmptySubscription, ID, InputObject, Interface, Object, Schema, SimpleObject,
    Union,
};

// ---------------------------------------------------------------- catalog

#[derive(SimpleObject, Clone)]
#[graphql(name = "Book")]
pub struct CatalogBook {
    id: ID,
    isbn: String,
    title: Option<String>,
    /// Overridden by social: the router must never take it from here.
    rank: Option<i32>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Movie")]
pub struct CatalogMovie {
    id: ID,
    title: Option<String>,
    runtime: Option<i32>,
}

#[derive(Interface, Clone)]
#[graphql(
    name = "Media",
    field(name = "id", ty = "&ID"),
    field(name = "title", ty = "&Option<String>")
)]
pub enum CatalogMedia {
    Book(CatalogBook),
    Movie(CatalogMovie),
}

fn dune() -> CatalogBook {
    CatalogBook {
        id: ID("b1".to_owned()),
        isbn: "111".to_owned(),
        title: Some("Dune".to_owned()),
        rank: Some(-1),
    }
}

fn alien() -> CatalogMovie {
    CatalogMovie {
        id: ID("m1".to_owned()),
        title: Some("Alien".to_owned()),
        runtime: Some(117),
    }
}

pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    async fn media(&self) -> Vec<CatalogMedia> {
        vec![CatalogMedia::Book(dune()), CatalogMedia::Movie(alien())]
    }

    async fn featured(&self) -> CatalogBook {
        dune()
    }

    #[graphql(entity)]
    async fn find_book_by_id(&self, id: ID) -> Option<CatalogBook> {
        (id.as_str() == "b1").then(dune)
    }

    #[graphql(entity)]
    async fn find_book_by_isbn(&self, isbn: String) -> Option<CatalogBook> {
        (isbn == "111").then(dune)
    }

    #[graphql(entity)]
    async fn find_movie_by_id(&self, id: ID) -> Option<CatalogMovie> {
        (id.as_str() == "m1").then(alien)
    }
}

pub fn catalog() -> Schema<CatalogQuery, EmptyMutation, EmptySubscription> {
    Schema::build(CatalogQuery, EmptyMutation, EmptySubscription)
        .register_output_type::<CatalogMedia>()
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- pricing

#[derive(SimpleObject, Clone)]
pub struct Money {
    amount: i32,
    currency: String,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Book")]
pub struct PricingBook {
    isbn: String,
    price: Option<Money>,
}

#[derive(SimpleObject, Clone)]
pub struct Org {
    id: ID,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Seller")]
pub struct PricingSeller {
    org: Org,
    handle: String,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Offer")]
pub struct PricingOffer {
    sku: String,
    region: String,
    amount: Option<i32>,
    seller: Option<PricingSeller>,
}

fn priced(isbn: String) -> PricingBook {
    let price = (isbn == "111").then(|| Money {
        amount: 1999,
        currency: "EUR".to_owned(),
    });
    PricingBook { isbn, price }
}

pub struct PricingQuery;

#[Object]
impl PricingQuery {
    async fn featured(&self) -> PricingBook {
        priced("111".to_owned())
    }

    async fn offer(&self, sku: String, region: String) -> PricingOffer {
        PricingOffer {
            amount: Some(if region == "eu" { 10 } else { 12 }),
            seller: Some(PricingSeller {
                org: Org {
                    id: ID("o1".to_owned()),
                },
                handle: format!("{sku}-shop"),
            }),
            sku,
            region,
        }
    }

    #[graphql(entity)]
    async fn find_book_by_isbn(&self, isbn: String) -> PricingBook {
        priced(isbn)
    }
}

pub fn pricing() -> Schema<PricingQuery, EmptyMutation, EmptySubscription> {
    Schema::build(PricingQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- search

#[derive(SimpleObject, Clone)]
#[graphql(name = "Book")]
pub struct SearchBook {
    id: ID,
    title: Option<String>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Movie")]
pub struct SearchMovie {
    id: ID,
    title: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct Author {
    name: Option<String>,
}

#[derive(Interface, Clone)]
#[graphql(
    name = "Media",
    field(name = "id", ty = "&ID"),
    field(name = "title", ty = "&Option<String>")
)]
pub enum SearchMedia {
    Book(SearchBook),
    Movie(SearchMovie),
}

#[derive(Union, Clone)]
pub enum SearchResult {
    Author(Author),
    Book(SearchBook),
    Movie(SearchMovie),
}

pub struct SearchQuery;

#[Object]
impl SearchQuery {
    async fn search(&self, text: String) -> Vec<SearchResult> {
        let _ = text;
        vec![
            SearchResult::Author(Author {
                name: Some("Frank Herbert".to_owned()),
            }),
            SearchResult::Book(SearchBook {
                id: ID("b1".to_owned()),
                title: Some("Dune".to_owned()),
            }),
            SearchResult::Movie(SearchMovie {
                id: ID("m1".to_owned()),
                title: Some("Alien".to_owned()),
            }),
        ]
    }
}

pub fn search() -> Schema<SearchQuery, EmptyMutation, EmptySubscription> {
    Schema::build(SearchQuery, EmptyMutation, EmptySubscription)
        .register_output_type::<SearchMedia>()
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- social

#[derive(InputObject)]
pub struct MoneyInput {
    amount: i32,
    currency: String,
}

#[derive(InputObject)]
pub struct OrgInput {
    id: ID,
}

pub struct SocialBook {
    id: ID,
    price: Option<MoneyInput>,
}

#[Object(name = "Book")]
impl SocialBook {
    async fn id(&self) -> &ID {
        &self.id
    }

    async fn likes(&self) -> i32 {
        42
    }

    async fn rank(&self) -> i32 {
        1
    }

    async fn recommendation(&self) -> Option<String> {
        let price = self.price.as_ref()?;
        Some(format!("worth {} {}", price.amount, price.currency))
    }
}

pub struct SocialMovie {
    id: ID,
    runtime: Option<i32>,
}

#[Object(name = "Movie")]
impl SocialMovie {
    async fn id(&self) -> &ID {
        &self.id
    }

    async fn likes(&self) -> i32 {
        7
    }

    #[graphql(external)]
    async fn runtime(&self) -> Option<i32> {
        self.runtime
    }

    async fn blurb(&self, #[graphql(default = "short")] style: String) -> Option<String> {
        let runtime = self.runtime?;
        Some(format!("{style}: {runtime} minutes"))
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Offer")]
pub struct SocialOffer {
    sku: String,
    region: String,
    rating: f64,
}

#[derive(SimpleObject)]
#[graphql(name = "Seller")]
pub struct SocialSeller {
    org: Org,
    handle: String,
    followers: i32,
}

pub struct SocialQuery;

#[Object]
impl SocialQuery {
    #[graphql(entity)]
    async fn find_book_by_id(
        &self,
        #[graphql(key)] id: ID,
        price: Option<MoneyInput>,
    ) -> SocialBook {
        SocialBook { id, price }
    }

    #[graphql(entity)]
    async fn find_movie_by_id(&self, #[graphql(key)] id: ID, runtime: Option<i32>) -> SocialMovie {
        SocialMovie { id, runtime }
    }

    #[graphql(entity)]
    async fn find_offer(&self, sku: String, region: String) -> SocialOffer {
        let rating = if region == "eu" { 4.5 } else { 3.0 };
        SocialOffer {
            sku,
            region,
            rating,
        }
    }

    #[graphql(entity)]
    async fn find_seller(&self, org: OrgInput, handle: String) -> SocialSeller {
        SocialSeller {
            followers: handle.len() as i32 * 100,
            org: Org { id: org.id },
            handle,
        }
    }
}

pub fn social() -> Schema<SocialQuery, EmptyMutation, EmptySubscription> {
    Schema::build(SocialQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
