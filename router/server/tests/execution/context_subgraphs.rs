//! The context fixture's subgraphs (`federation/tests/fixtures/context.graphql`): shop has
//! customers (with their currency), businesses and orders; accounts has the businesses'
//! currencies; pricing prices an order in the currency its `@fromContext` argument names
//! (and refuses the currency `XXX`).

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};

// ---------------------------------------------------------------- shop

#[derive(SimpleObject, Clone)]
pub struct Order {
    id: ID,
    item: String,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Customer")]
pub struct Customer {
    id: ID,
    name: String,
    currency: String,
    orders: Vec<Order>,
    employer: Option<ShopBusiness>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Business")]
pub struct ShopBusiness {
    id: ID,
    name: String,
    orders: Vec<Order>,
}

fn order(id: &str) -> Order {
    Order {
        id: ID(id.to_owned()),
        item: format!("item {id}"),
    }
}

fn business(id: &str) -> Option<ShopBusiness> {
    let (name, orders) = match id {
        "b1" => ("Acme", vec![order("o5")]),
        "b2" => ("Globex", vec![order("o6"), order("o7")]),
        _ => return None,
    };
    Some(ShopBusiness {
        id: ID(id.to_owned()),
        name: name.to_owned(),
        orders,
    })
}

fn customers() -> Vec<Customer> {
    let customer =
        |id: &str, name: &str, currency: &str, orders: &[&str], employer: &str| Customer {
            id: ID(id.to_owned()),
            name: name.to_owned(),
            currency: currency.to_owned(),
            orders: orders.iter().map(|id| order(id)).collect(),
            employer: business(employer),
        };
    vec![
        customer("c1", "Ada", "USD", &["o1", "o2"], "b1"),
        customer("c2", "Bob", "EUR", &["o3"], ""),
        customer("c3", "Cy", "USD", &["o4"], "b2"),
        customer("c4", "Dee", "CHF", &["o8"], ""),
        customer("c5", "Eve", "XXX", &["o10"], ""),
    ]
}

pub struct ShopQuery;

#[Object]
impl ShopQuery {
    async fn customers(&self) -> Vec<Customer> {
        customers().into_iter().take(3).collect()
    }

    /// Every customer paying in one of `currencies` (Dee pays in CHF, Eve in XXX, a
    /// currency pricing refuses).
    async fn customers_in(&self, currencies: Vec<String>) -> Vec<Option<Customer>> {
        customers()
            .into_iter()
            .filter(|customer| currencies.contains(&customer.currency))
            .map(Some)
            .collect()
    }

    async fn businesses(&self) -> Vec<ShopBusiness> {
        ["b1", "b2"].into_iter().filter_map(business).collect()
    }

    async fn orphan_orders(&self) -> Vec<Order> {
        vec![order("o9")]
    }

    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> Order {
        order(&id)
    }

    #[graphql(entity)]
    async fn find_business_by_id(&self, id: ID) -> Option<ShopBusiness> {
        business(&id)
    }

    #[graphql(entity)]
    async fn find_customer_by_id(&self, id: ID) -> Option<Customer> {
        customers().into_iter().find(|customer| customer.id == id)
    }
}

pub fn shop() -> Schema<ShopQuery, EmptyMutation, EmptySubscription> {
    Schema::build(ShopQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- accounts

#[derive(SimpleObject)]
#[graphql(name = "Business")]
pub struct AccountsBusiness {
    id: ID,
    currency: String,
}

pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    #[graphql(entity)]
    async fn find_business_by_id(&self, id: ID) -> AccountsBusiness {
        let currency = if id.as_str() == "b1" { "GBP" } else { "JPY" };
        AccountsBusiness {
            id,
            currency: currency.to_owned(),
        }
    }
}

pub fn accounts() -> Schema<AccountsQuery, EmptyMutation, EmptySubscription> {
    Schema::build(AccountsQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

// ---------------------------------------------------------------- pricing

pub struct PricedOrder {
    id: ID,
}

#[Object(name = "Order")]
impl PricedOrder {
    async fn id(&self) -> &ID {
        &self.id
    }

    /// `@fromContext(field: "$locale { currency }")` in the pricing subgraph.
    async fn price(&self, currency: String) -> async_graphql::Result<String> {
        if currency == "XXX" {
            return Err(format!("no rate for {currency}").into());
        }
        Ok(format!("{} in {currency}", self.id.as_str()))
    }
}

pub struct PricingQuery;

#[Object]
impl PricingQuery {
    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> PricedOrder {
        PricedOrder { id }
    }
}

pub fn pricing() -> Schema<PricingQuery, EmptyMutation, EmptySubscription> {
    Schema::build(PricingQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
