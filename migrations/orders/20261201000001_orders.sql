-- Orders: what a customer bought at which price, where each order stands (its history is
-- append-only), the events waiting to be published (the outbox) and the messages already
-- handled (so a redelivery does nothing twice).

CREATE TABLE orders (
    id               uuid        PRIMARY KEY,
    -- The user (owned by the users subgraph); no foreign key across subgraphs.
    customer_id      uuid        NOT NULL,
    -- Chosen by the client: placing the same order again with the same key returns it.
    idempotency_key  text        NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 100),
    status           text        NOT NULL CHECK (status IN ('PENDING', 'STOCK_RESERVED', 'PAID',
                                 'FULFILLED', 'DELIVERED', 'CANCELLED', 'FAILED')),
    -- Where the confirmation goes; cleared when the user is deleted.
    contact_email    text        CHECK (char_length(contact_email) <= 254),
    -- Handed to the payment provider (a token for a card, never the card).
    payment_method   text        NOT NULL CHECK (char_length(payment_method) <= 100),
    -- Money is an integer amount of the currency's minor unit; one currency per order.
    total_amount     bigint      NOT NULL CHECK (total_amount >= 0),
    currency         text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The provider's charge, once paid.
    charge_id        text,
    -- Why the order was cancelled or failed.
    reason           text,
    -- Unpaid orders are cancelled (and their stock released) after this.
    pay_by           timestamptz NOT NULL,
    anonymised_at    timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_customer_idempotency_key UNIQUE (customer_id, idempotency_key)
);

-- A customer's orders, newest first (`User.orders` and its cursor).
CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at DESC, id DESC);
-- The expiry job: open orders by deadline.
CREATE INDEX orders_unpaid_pay_by_idx ON orders (pay_by) WHERE status IN ('PENDING', 'STOCK_RESERVED');

CREATE TABLE order_lines (
    order_id     uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    -- A product of the catalog subgraph.
    product_id   uuid    NOT NULL,
    quantity     integer NOT NULL CHECK (quantity > 0),
    -- The catalog's price when the order was placed.
    unit_amount  integer NOT NULL CHECK (unit_amount >= 0),
    PRIMARY KEY (order_id, position)
);

-- Every status change, never updated or deleted.
CREATE TABLE order_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    from_status  text,
    to_status    text        NOT NULL,
    reason       text,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_events_order_id_idx ON order_events (order_id, id);

CREATE FUNCTION order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'order_events is append-only';
END
$$;

CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION order_events_append_only();

-- Events waiting for the relay (kit::events::outbox).
CREATE TABLE outbox (
    id            uuid        PRIMARY KEY,
    routing_key   text        NOT NULL,
    envelope      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished_idx ON outbox (created_at, id) WHERE published_at IS NULL;

-- Messages a consumer has handled (kit::events::consumer::claim).
CREATE TABLE processed_messages (
    consumer      text        NOT NULL,
    message_id    uuid        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
