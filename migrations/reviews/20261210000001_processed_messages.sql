-- Reviews consumes `user.deleted` (queue `reviews.users`, kit::events): the ids of the
-- messages it handled, recorded in the transaction of the change, so a redelivery does
-- nothing.

CREATE TABLE processed_messages (
    consumer      text        NOT NULL,
    message_id    uuid        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
