-- Users publishes `user.deleted` when an account is deleted, through a transactional outbox
-- (kit::events): the row is written in the transaction of the DELETE, and the relay publishes
-- it once the broker is reachable.

CREATE TABLE outbox (
    id            uuid        PRIMARY KEY,
    routing_key   text        NOT NULL,
    envelope      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished_idx ON outbox (created_at, id) WHERE published_at IS NULL;
