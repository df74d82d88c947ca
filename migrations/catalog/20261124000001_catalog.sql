-- The catalog: categories (a tree), products with their prices and attributes, the stock of
-- each product, and the stock reserved for orders. Index choices: docs/catalog-indexes.md.

CREATE TABLE categories (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id   uuid        REFERENCES categories (id),
    name        text        NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    slug        text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    archived    boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_slug_key UNIQUE (slug),
    CONSTRAINT categories_not_own_parent CHECK (parent_id <> id)
);

-- Children of a category (the tree, and the subcategories a search filter includes).
CREATE INDEX categories_parent_id_idx ON categories (parent_id);

CREATE TABLE products (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    sku             text        NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9._-]{0,63}$'),
    name            text        NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
    description     text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
    -- Money is an integer amount of the currency's minor unit, never a float.
    price_amount    integer     NOT NULL CHECK (price_amount >= 0),
    -- ISO 4217 alphabetic code.
    price_currency  text        NOT NULL CHECK (price_currency ~ '^[A-Z]{3}$'),
    image_urls      text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 20),
    category_id     uuid        REFERENCES categories (id),
    attributes      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    -- Archived products are kept (orders refer to them) but no longer listed.
    active          boolean     NOT NULL DEFAULT true,
    -- What the full-text search matches: the name and SKU weigh more than the description.
    search          tsvector    GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', name), 'A')
                        || setweight(to_tsvector('simple', sku), 'A')
                        || setweight(to_tsvector('english', description), 'B')
                    ) STORED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_sku_key UNIQUE (sku)
);

-- Full-text search (`search @@ query`).
CREATE INDEX products_search_idx ON products USING gin (search);
-- Attribute filters (`attributes @> '{"color": "red"}'`).
CREATE INDEX products_attributes_idx ON products USING gin (attributes jsonb_path_ops);
-- Browsing a category (and its subcategories) among listed products.
CREATE INDEX products_category_id_idx ON products (category_id) WHERE active;
-- Price ranges (alone, or ANDed with the attribute index in a bitmap).
CREATE INDEX products_price_idx ON products (price_amount) WHERE active;
-- Unfiltered browsing, newest first: the exact sort key of `NEWEST`, so the first page and
-- every later one (`(key, id) > cursor`) is a short index scan instead of a full sort.
CREATE INDEX products_newest_idx
    ON products ((-extract(epoch FROM created_at - 'epoch'::timestamptz)::float8), id)
    WHERE active;

-- Stock per product. Never negative, never more reserved than on hand: the database refuses it.
CREATE TABLE inventory (
    product_id  uuid        PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    on_hand     integer     NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved    integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_reserved_within_on_hand CHECK (reserved <= on_hand)
);

-- Stock held for orders; one row per order and product. Released rows stay as a record, and
-- make a redelivered release do nothing.
CREATE TABLE stock_reservations (
    order_id    uuid        NOT NULL,
    product_id  uuid        NOT NULL REFERENCES products (id),
    quantity    integer     NOT NULL CHECK (quantity > 0),
    reserved_at timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    PRIMARY KEY (order_id, product_id)
);

-- The search query has optional filters (`$n IS NULL OR ...`). A generic plan, which
-- Postgres may switch to after five executions of a prepared statement, cannot drop the
-- filters that are off and so cannot use the indexes above; plan each execution instead.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END
$$;
