-- The catalog takes part in the checkout saga: it consumes `order.placed` and
-- `order.cancelled` and publishes `stock.reserved`, `stock.rejected` and `stock.released`
-- through a transactional outbox (kit::events).

CREATE TABLE outbox (
    id            uuid        PRIMARY KEY,
    routing_key   text        NOT NULL,
    envelope      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished_idx ON outbox (created_at, id) WHERE published_at IS NULL;

CREATE TABLE processed_messages (
    consumer      text        NOT NULL,
    message_id    uuid        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
