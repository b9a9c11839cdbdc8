-- Data keys: one row per key, the key itself only in wrapped form (wrapped by
-- the root key in the environment or a KMS). Destroying a subject's key
-- (crypto-shredding) removes the wrapped bytes and keeps the row as evidence.

CREATE TABLE custodian.data_keys (
  id           uuid        PRIMARY KEY,
  scope        text        NOT NULL CHECK (scope IN ('root', 'tenant', 'subject')),
  scope_id     text,
  algorithm    text        NOT NULL,
  wrapped      bytea,
  root_key_id  text        NOT NULL,
  provider     text        NOT NULL,
  state        text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'decrypt-only', 'retired', 'destroyed')),
  -- Encryptions reserved under this key (in blocks, so it over-counts, never under-counts).
  encryptions  bigint      NOT NULL DEFAULT 0 CHECK (encryptions >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  rotated_at   timestamptz,
  retired_at   timestamptz,
  destroyed_at timestamptz,
  CHECK ((scope = 'root') = (scope_id IS NULL)),
  -- A destroyed key has no key material left; every other key has it.
  CHECK ((state = 'destroyed') = (wrapped IS NULL)),
  CHECK (state <> 'destroyed' OR destroyed_at IS NOT NULL),
  CHECK (state <> 'retired' OR retired_at IS NOT NULL),
  CHECK (state <> 'decrypt-only' OR rotated_at IS NOT NULL)
);

-- At most one active key per scope: what makes first-use creation race-safe
-- (INSERT … ON CONFLICT DO NOTHING, then read the winner).
CREATE UNIQUE INDEX data_keys_one_active ON custodian.data_keys (scope, coalesce(scope_id, '')) WHERE state = 'active';
CREATE INDEX data_keys_by_scope ON custodian.data_keys (scope, scope_id);

-- States only move forward (active → decrypt-only → retired, and any → destroyed),
-- the counter never goes down, and a key's identity never changes — for every
-- role, the owner's included.
CREATE FUNCTION custodian.data_keys_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  rank_old int := array_position(ARRAY['active', 'decrypt-only', 'retired', 'destroyed'], OLD.state);
  rank_new int := array_position(ARRAY['active', 'decrypt-only', 'retired', 'destroyed'], NEW.state);
BEGIN
  IF rank_new < rank_old THEN
    RAISE EXCEPTION 'data key state cannot move back' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.encryptions < OLD.encryptions THEN
    RAISE EXCEPTION 'data key usage counter cannot decrease' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.id <> OLD.id OR NEW.scope <> OLD.scope OR NEW.scope_id IS DISTINCT FROM OLD.scope_id
     OR NEW.algorithm <> OLD.algorithm OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'data key identity cannot change' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER data_keys_guard BEFORE UPDATE ON custodian.data_keys
  FOR EACH ROW EXECUTE FUNCTION custodian.data_keys_guard();

-- The application creates keys on first use, reads them, counts encryptions
-- and rotates (active → decrypt-only). It cannot delete keys, nor rewrite
-- wrapped bytes, nor retire or destroy: those are operator actions (the
-- `custodian keys` commands and the erasure job run as the owner).
GRANT SELECT, INSERT ON custodian.data_keys TO custodian_app;
GRANT UPDATE (encryptions, state, rotated_at) ON custodian.data_keys TO custodian_app;
