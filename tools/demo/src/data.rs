//! The demo data set: a few accounts with known development passwords, a small category
//! tree, ten products with prices and stock, reviews by the customers and one order.

/// An account; every demo account has [`PASSWORD`].
#[derive(Debug, Clone, Copy)]
pub struct Account {
    pub email: &'static str,
    pub display_name: &'static str,
    /// Made an admin (the role every catalog change needs).
    pub admin: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Category {
    pub slug: &'static str,
    pub name: &'static str,
    /// The parent's slug; `None` for a top-level category.
    pub parent: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// Upper case, as the catalog stores it.
    pub sku: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// In euro cents.
    pub price: i64,
    pub stock: i64,
    pub category: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Review {
    pub author: &'static str,
    pub sku: &'static str,
    pub rating: i64,
    pub title: &'static str,
    pub body: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Order {
    pub customer: &'static str,
    /// The client's idempotency key: placing it again returns the first order.
    pub idempotency_key: &'static str,
    pub lines: &'static [(&'static str, i64)],
}

/// The password of every demo account (development only).
pub const PASSWORD: &str = "demo-password-1";

pub const CURRENCY: &str = "EUR";

pub const ADMIN_EMAIL: &str = "admin@example.com";

/// The demo accounts, how to sign in, and where the token goes in GraphiQL: what the
/// development start prints.
pub fn sign_in_help() -> String {
    let mut text = format!("demo accounts (password `{PASSWORD}`):\n");
    for account in ACCOUNTS {
        let role = if account.admin { "admin" } else { "customer" };
        text.push_str(&format!("  {:<20} {role}\n", account.email));
    }
    text.push_str(&format!(
        "sign in: mutation {{ login(input: {{ email: \"{}\", password: \"{PASSWORD}\" }}) {{ accessToken }} }}\n\
         then send the header {{\"Authorization\": \"Bearer <accessToken>\"}} (GraphiQL: under Headers)",
        ACCOUNTS[1].email
    ));
    text
}

pub const ACCOUNTS: &[Account] = &[
    Account {
        email: ADMIN_EMAIL,
        display_name: "Shop Admin",
        admin: true,
    },
    Account {
        email: "ada@example.com",
        display_name: "Ada",
        admin: false,
    },
    Account {
        email: "grace@example.com",
        display_name: "Grace",
        admin: false,
    },
    Account {
        email: "linus@example.com",
        display_name: "Linus",
        admin: false,
    },
];

/// Parents before their children.
pub const CATEGORIES: &[Category] = &[
    Category {
        slug: "home",
        name: "Home",
        parent: None,
    },
    Category {
        slug: "lighting",
        name: "Lighting",
        parent: Some("home"),
    },
    Category {
        slug: "furniture",
        name: "Furniture",
        parent: Some("home"),
    },
    Category {
        slug: "kitchen",
        name: "Kitchen",
        parent: Some("home"),
    },
    Category {
        slug: "office",
        name: "Office",
        parent: None,
    },
    Category {
        slug: "stationery",
        name: "Stationery",
        parent: Some("office"),
    },
];

pub const PRODUCTS: &[Product] = &[
    Product {
        sku: "LAMP-DESK-01",
        name: "Desk lamp",
        description: "An adjustable LED desk lamp with a warm light.",
        price: 3499,
        stock: 25,
        category: "lighting",
    },
    Product {
        sku: "LAMP-FLOOR-01",
        name: "Floor lamp",
        description: "A tall reading lamp with a linen shade.",
        price: 8999,
        stock: 10,
        category: "lighting",
    },
    Product {
        sku: "BULB-LED-4",
        name: "LED bulbs, pack of 4",
        description: "E27 bulbs, 806 lumen, 2700 K.",
        price: 1299,
        stock: 100,
        category: "lighting",
    },
    Product {
        sku: "CHAIR-OAK-01",
        name: "Oak chair",
        description: "A solid oak dining chair.",
        price: 12900,
        stock: 8,
        category: "furniture",
    },
    Product {
        sku: "SHELF-PINE-01",
        name: "Pine bookshelf",
        description: "Five shelves of untreated pine.",
        price: 15900,
        stock: 5,
        category: "furniture",
    },
    Product {
        sku: "MUG-CERAMIC",
        name: "Ceramic mug",
        description: "A stoneware mug, 350 ml.",
        price: 999,
        stock: 60,
        category: "kitchen",
    },
    Product {
        sku: "KETTLE-STEEL",
        name: "Steel kettle",
        description: "A stovetop kettle in brushed steel.",
        price: 3999,
        stock: 0,
        category: "kitchen",
    },
    Product {
        sku: "NOTEBOOK-A5",
        name: "A5 notebook",
        description: "Dotted pages, lay-flat binding.",
        price: 799,
        stock: 200,
        category: "stationery",
    },
    Product {
        sku: "PEN-FOUNTAIN-01",
        name: "Fountain pen",
        description: "A steel nib fountain pen with a converter.",
        price: 2499,
        stock: 40,
        category: "stationery",
    },
    Product {
        sku: "DESK-ORGANISER",
        name: "Desk organiser",
        description: "Bamboo trays for pens, cards and notes.",
        price: 1999,
        stock: 30,
        category: "office",
    },
];

pub const REVIEWS: &[Review] = &[
    Review {
        author: "ada@example.com",
        sku: "LAMP-DESK-01",
        rating: 5,
        title: "Bright and steady",
        body: "Lights the whole desk without glare.",
    },
    Review {
        author: "grace@example.com",
        sku: "LAMP-DESK-01",
        rating: 4,
        title: "Good light, short cable",
        body: "I needed an extension cord.",
    },
    Review {
        author: "linus@example.com",
        sku: "LAMP-DESK-01",
        rating: 3,
        title: "Does the job",
        body: "The arm is a bit wobbly.",
    },
    Review {
        author: "ada@example.com",
        sku: "NOTEBOOK-A5",
        rating: 4,
        title: "Nice paper",
        body: "Fountain pen ink does not bleed through.",
    },
    Review {
        author: "grace@example.com",
        sku: "PEN-FOUNTAIN-01",
        rating: 5,
        title: "Writes beautifully",
        body: "Smooth from the first line.",
    },
    Review {
        author: "grace@example.com",
        sku: "CHAIR-OAK-01",
        rating: 3,
        title: "Sturdy but hard",
        body: "Get a cushion.",
    },
    Review {
        author: "ada@example.com",
        sku: "MUG-CERAMIC",
        rating: 5,
        title: "My favourite mug",
        body: "Keeps coffee warm.",
    },
    Review {
        author: "linus@example.com",
        sku: "KETTLE-STEEL",
        rating: 2,
        title: "Slow",
        body: "Takes ages on an induction hob.",
    },
];

pub const ORDERS: &[Order] = &[Order {
    customer: "ada@example.com",
    idempotency_key: "demo-order-ada-1",
    lines: &[("LAMP-DESK-01", 1), ("NOTEBOOK-A5", 2)],
}];
