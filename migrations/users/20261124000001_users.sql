-- Users, their sessions (refresh-token families) and password-reset tokens.

CREATE TABLE users (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Normalized (trimmed, lower-cased) by the application; the check keeps it so.
    email           text        NOT NULL CHECK (email = lower(btrim(email)) AND email <> ''),
    password_hash   text        NOT NULL,
    display_name    text        NOT NULL CHECK (btrim(display_name) <> ''),
    full_name       text,
    phone           text,
    address_line1   text,
    address_line2   text,
    address_city    text,
    address_region  text,
    address_postal_code text,
    address_country char(2),
    roles           text[]      NOT NULL DEFAULT ARRAY['CUSTOMER']
                    CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['CUSTOMER', 'SUPPORT', 'ADMIN']),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- Admin listing pages by creation order.
CREATE INDEX users_created_at_id_idx ON users (created_at, id);

-- A session is one login: the family of refresh tokens rotated from it.
CREATE TABLE sessions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Refresh tokens are stored only as SHA-256 hashes; each is used once, then rotated.
CREATE TABLE refresh_tokens (
    token_hash      bytea       PRIMARY KEY,
    session_id      uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    rotated_at      timestamptz
);

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

-- Single-use password-reset tokens, stored hashed.
CREATE TABLE password_reset_tokens (
    token_hash      bytea       PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

CREATE INDEX password_reset_tokens_user_id_idx ON password_reset_tokens (user_id);
