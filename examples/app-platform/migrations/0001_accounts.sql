-- Accounts: people who sign in with Google, their profiles, OAuth tokens and sessions.
--
-- Account deletion (A7) is two-phase: the user row is soft-deleted at once
-- (`deleted_at`), and a retention job nulls the identifying columns 30 days
-- later. The row itself stays, so tax forms (kept 7 years, A8) and the audit
-- trail keep a valid reference; that is why those columns are nullable.

CREATE TABLE users (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- `placeholder` is the single row that erased people's contributions are
  -- reassigned to (A7); it can never sign in.
  kind            text        NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'placeholder')),
  -- The OpenID Connect `sub` claim from Google (A10): the only sign-in key.
  google_sub      text        UNIQUE,
  email           text        UNIQUE,
  name            text,
  image_url       text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz,
  deleted_at      timestamptz,
  -- A live person always has a Google identity and an email; only a deleted
  -- account (awaiting or past its 30-day purge) or the placeholder lacks them.
  CONSTRAINT users_live_identity CHECK (
    kind = 'placeholder' OR deleted_at IS NOT NULL OR (google_sub IS NOT NULL AND email IS NOT NULL)
  ),
  CONSTRAINT users_placeholder_anonymous CHECK (
    kind = 'person' OR (google_sub IS NULL AND email IS NULL AND image_url IS NULL)
  )
);

-- Exactly one placeholder, with a fixed id the policy names (subjects.user.placeholder.key).
CREATE UNIQUE INDEX users_one_placeholder ON users (kind) WHERE kind = 'placeholder';
INSERT INTO users (id, kind, name, created_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'placeholder', 'Deleted user', '2026-01-01T00:00:00Z');

-- Email lookups compare trimmed, lower-cased values (the policy's `normalized` lookup).
CREATE INDEX users_email_normalized ON users (lower(btrim(email)));
CREATE INDEX users_deleted_at ON users (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE profiles (
  user_id       uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  display_name  text,
  handle        text        UNIQUE CHECK (handle ~ '^[a-z0-9_]{2,30}$'),
  bio           text,
  date_of_birth date,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- OAuth tokens from the sign-in provider. The refresh token is sealed (A2);
-- no access token is kept, it is short-lived and fetched again when needed.
CREATE TABLE oauth_tokens (
  id                       uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider                 text        NOT NULL CHECK (provider IN ('google')),
  scope                    text        NOT NULL,
  refresh_token_ciphertext bytea       NOT NULL,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, provider)
);

-- Only a hash of the cookie's token is stored: a leaked table signs nobody in.
CREATE TABLE sessions (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text        NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Set by sign-out and by account deletion (A7); an ended session signs nobody in.
  ended_at   timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_live ON sessions (user_id) WHERE ended_at IS NULL;

-- A7: a deleted account is locked out of sign-in, and the placeholder never
-- signs in. Enforced here as well as in the sign-in code, so no code path can
-- open a live session for either. Statement-level with a transition table:
-- one check per statement, so bulk loads stay fast.
CREATE FUNCTION sessions_refuse_locked_users() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM changed s JOIN users u ON u.id = s.user_id
    WHERE s.ended_at IS NULL AND (u.deleted_at IS NOT NULL OR u.kind = 'placeholder')
  ) THEN
    RAISE EXCEPTION 'sign-in refused for a deleted account' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER sessions_refuse_locked_users_insert AFTER INSERT ON sessions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sessions_refuse_locked_users();
CREATE TRIGGER sessions_refuse_locked_users_update AFTER UPDATE ON sessions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sessions_refuse_locked_users();

GRANT SELECT, INSERT, UPDATE, DELETE ON users, profiles, oauth_tokens, sessions TO custodian_app;
