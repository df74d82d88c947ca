-- Product reviews and each product's rating summary. Products and users live in other
-- subgraphs: they are referred to by id, never by foreign key.

CREATE TABLE reviews (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id  uuid        NOT NULL,
    author_id   uuid        NOT NULL,
    -- The author's display name when they last wrote the review, served as
    -- `Review.author { displayName }` (@provides) so the router need not ask users.
    author_name text        NOT NULL CHECK (btrim(author_name) <> ''),
    rating      smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title       text        NOT NULL CHECK (btrim(title) <> '' AND char_length(title) <= 120),
    body        text        NOT NULL CHECK (char_length(body) <= 5000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- One review per user and product.
    CONSTRAINT reviews_product_author_key UNIQUE (product_id, author_id)
);

-- A product's reviews in each sort order (the unique constraint's index serves lookups by
-- product and author; these serve the ordered pages).
CREATE INDEX reviews_product_created_idx ON reviews (product_id, created_at, id);
CREATE INDEX reviews_product_rating_idx ON reviews (product_id, rating, created_at, id);
-- A user's reviews.
CREATE INDEX reviews_author_created_idx ON reviews (author_id, created_at, id);

-- Kept in step with `reviews` by every write, in the same transaction.
CREATE TABLE rating_summaries (
    product_id  uuid    PRIMARY KEY,
    stars_1     integer NOT NULL DEFAULT 0 CHECK (stars_1 >= 0),
    stars_2     integer NOT NULL DEFAULT 0 CHECK (stars_2 >= 0),
    stars_3     integer NOT NULL DEFAULT 0 CHECK (stars_3 >= 0),
    stars_4     integer NOT NULL DEFAULT 0 CHECK (stars_4 >= 0),
    stars_5     integer NOT NULL DEFAULT 0 CHECK (stars_5 >= 0)
);
