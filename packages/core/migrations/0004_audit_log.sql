-- The append-only, tamper-evident audit log (C3, C4, C5, C7, C8, C19, B3).
--
-- One hash chain per tenant: event n of a tenant stores the hash of event n-1
-- (prev_hash) and its own hash over a length-framed encoding of its columns
-- (docs/audit.md, "Chain encoding"). Appends go through
-- custodian.audit_append(), which serialises writers of one tenant on that
-- tenant's row in custodian.audit_heads (SELECT … FOR UPDATE inside the
-- caller's transaction), so the hash is always computed from the committed
-- predecessor and concurrent writers never fork the chain. A rolled-back
-- transaction takes its events, and its move of the head, with it.
--
-- Foreign keys to an application's subjects or sessions: Custodian has no such
-- tables, so this table keeps text copies (subject_id, session_id) and an
-- application adds its own referencing columns in its own migration, e.g.
--
--   ALTER TABLE custodian.audit_events
--     ADD COLUMN candidate_ref uuid REFERENCES public.candidates (id) ON DELETE SET NULL;
--
-- Any column of a foreign key declared ON DELETE SET NULL is a "reference
-- column": audit_append() fills it from its p_references argument, the hash
-- leaves it out (it may become NULL), and the guard below lets exactly one
-- kind of UPDATE through: the foreign-key action setting such columns to NULL
-- with every other column unchanged (C5).

CREATE TABLE custodian.audit_events (
  tenant_id   text        NOT NULL CHECK (tenant_id <> ''),
  seq         bigint      NOT NULL CHECK (seq >= 1),
  occurred_at timestamptz NOT NULL,
  actor_type  text        NOT NULL CHECK (actor_type IN ('user', 'member', 'operator', 'service', 'system')),
  actor_id    text        NOT NULL,
  -- Namespaced: `key.decrypt`, `dsar.export`, `operator.read`.
  action      text        NOT NULL CHECK (action ~ '^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$'),
  target_type text,
  target_id   text,
  subject_id  text,
  session_id  text,
  purpose     text,
  ip          inet,
  user_agent  text,
  -- json, not jsonb: the text is kept exactly as written, so the hash over it
  -- can be recomputed from the stored value. Written as RFC 8785 JSON after
  -- the redaction hook. Query it with metadata::jsonb.
  metadata    json        NOT NULL,
  prev_hash   bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
  hash        bytea       NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (tenant_id, seq)
);

CREATE INDEX audit_events_tenant_time ON custodian.audit_events (tenant_id, occurred_at);
CREATE INDEX audit_events_subject ON custodian.audit_events (subject_id) WHERE subject_id IS NOT NULL;

-- Each tenant's chain head: the last sequence number and its hash. Its row is
-- the per-tenant lock appenders take, and a second witness of the chain's
-- length for the verifier.
CREATE TABLE custodian.audit_heads (
  tenant_id text   PRIMARY KEY,
  seq       bigint NOT NULL CHECK (seq >= 0),
  hash      bytea  NOT NULL CHECK (octet_length(hash) = 32)
);

-- Signed checkpoints: (tenant, size, head hash, time) in a signed note
-- (docs/audit.md, "Checkpoints"). A checkpoint must name a hash that is in the
-- chain at that size, so two checkpoints of one tenant can never disagree.
CREATE TABLE custodian.audit_checkpoints (
  tenant_id text        NOT NULL,
  size      bigint      NOT NULL CHECK (size >= 1),
  head_hash bytea       NOT NULL CHECK (octet_length(head_hash) = 32),
  signed_at timestamptz NOT NULL,
  key_name  text        NOT NULL,
  key_id    text        NOT NULL,
  note      text        NOT NULL,
  PRIMARY KEY (tenant_id, size)
);

-- Length framing: a 4-byte big-endian byte length and the UTF-8 bytes, or
-- ff ff ff ff for NULL (PostgreSQL's own wire convention).
CREATE FUNCTION custodian.audit_frame(value text) RETURNS bytea
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN value IS NULL THEN '\xffffffff'::bytea
                    ELSE int4send(octet_length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8') END $$;

-- SHA-256 over the event's encoding, chained to prev_hash. sha256() is built
-- into PostgreSQL 11+ and PGlite; pgcrypto is not needed. The verifier
-- recomputes the same bytes in JavaScript, independently of this function.
-- Each field is framed as custodian.audit_frame() does, written out inline:
-- PL/pgSQL evaluates this as one expression, about twenty times faster than
-- fourteen calls of a SQL function that cannot be inlined.
CREATE FUNCTION custodian.audit_event_hash(
  prev_hash bytea, tenant_id text, seq bigint, occurred_at timestamptz, actor_type text, actor_id text,
  action text, target_type text, target_id text, subject_id text, session_id text, purpose text,
  ip inet, user_agent text, metadata json
) RETURNS bytea
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS $$
BEGIN
  RETURN sha256(
    '\x00000012'::bytea || convert_to('custodian-audit-v1', 'UTF8') || prev_hash
    || CASE WHEN tenant_id IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(tenant_id, 'UTF8'))) || convert_to(tenant_id, 'UTF8') END
    || int8send(seq) || int8send((extract(epoch FROM occurred_at) * 1000000)::bigint)
    || CASE WHEN actor_type IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(actor_type, 'UTF8'))) || convert_to(actor_type, 'UTF8') END
    || CASE WHEN actor_id IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(actor_id, 'UTF8'))) || convert_to(actor_id, 'UTF8') END
    || CASE WHEN action IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(action, 'UTF8'))) || convert_to(action, 'UTF8') END
    || CASE WHEN target_type IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(target_type, 'UTF8'))) || convert_to(target_type, 'UTF8') END
    || CASE WHEN target_id IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(target_id, 'UTF8'))) || convert_to(target_id, 'UTF8') END
    || CASE WHEN subject_id IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(subject_id, 'UTF8'))) || convert_to(subject_id, 'UTF8') END
    || CASE WHEN session_id IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(session_id, 'UTF8'))) || convert_to(session_id, 'UTF8') END
    || CASE WHEN purpose IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(purpose, 'UTF8'))) || convert_to(purpose, 'UTF8') END
    || CASE WHEN ip::text IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(ip::text, 'UTF8'))) || convert_to(ip::text, 'UTF8') END
    || CASE WHEN user_agent IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(user_agent, 'UTF8'))) || convert_to(user_agent, 'UTF8') END
    || CASE WHEN metadata::text IS NULL THEN '\xffffffff'::bytea ELSE int4send(octet_length(convert_to(metadata::text, 'UTF8'))) || convert_to(metadata::text, 'UTF8') END
  );
END
$$;

-- The reference columns: every column of a foreign key on audit_events that
-- is declared ON DELETE SET NULL.
CREATE FUNCTION custodian.audit_reference_columns() RETURNS SETOF text
  LANGUAGE sql STABLE
  AS $$ SELECT DISTINCT a.attname::text
          FROM pg_catalog.pg_constraint c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
         WHERE c.conrelid = 'custodian.audit_events'::regclass AND c.contype = 'f' AND c.confdeltype = 'n' $$;

-- Appends one event to its tenant's chain and returns its sequence number and
-- hash. SECURITY DEFINER so the application role needs no INSERT on the
-- events nor any right on the heads: this function is its only way in, and
-- it always computes the hash itself. Inside a tenant's transaction
-- (custodian.current_tenant() set) it writes only to that tenant's chain.
CREATE FUNCTION custodian.audit_append(
  p_tenant text, p_actor_type text, p_actor_id text, p_action text,
  p_target_type text, p_target_id text, p_subject_id text, p_session_id text, p_purpose text,
  p_ip inet, p_user_agent text, p_metadata json, p_references jsonb, p_occurred_at timestamptz,
  OUT event_seq bigint, OUT event_hash bytea
)
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  context_tenant text := custodian.current_tenant();
  head_seq bigint;
  head_hash bytea;
  ev custodian.audit_events;
BEGIN
  IF context_tenant IS NOT NULL AND context_tenant IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'an audit event may only be appended to the tenant of the transaction' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The per-tenant lock: held until the caller's transaction ends.
  SELECT h.seq, h.hash INTO head_seq, head_hash FROM custodian.audit_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO custodian.audit_heads (tenant_id, seq, hash)
      VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
      ON CONFLICT DO NOTHING;
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM custodian.audit_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
  END IF;
  IF p_references IS NOT NULL AND p_references <> '{}'::jsonb THEN
    IF jsonb_typeof(p_references) <> 'object' OR EXISTS (
      SELECT 1 FROM jsonb_object_keys(p_references) k
       WHERE k NOT IN (SELECT custodian.audit_reference_columns())
    ) THEN
      RAISE EXCEPTION 'audit references must name foreign-key columns declared ON DELETE SET NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    ev := jsonb_populate_record(NULL::custodian.audit_events, p_references);
  END IF;
  ev.tenant_id := p_tenant;
  ev.seq := head_seq + 1;
  ev.occurred_at := coalesce(p_occurred_at, clock_timestamp());
  ev.actor_type := p_actor_type;
  ev.actor_id := p_actor_id;
  ev.action := p_action;
  ev.target_type := p_target_type;
  ev.target_id := p_target_id;
  ev.subject_id := p_subject_id;
  ev.session_id := p_session_id;
  ev.purpose := p_purpose;
  ev.ip := p_ip;
  ev.user_agent := p_user_agent;
  ev.metadata := coalesce(p_metadata, '{}'::json);
  ev.prev_hash := head_hash;
  ev.hash := custodian.audit_event_hash(ev.prev_hash, ev.tenant_id, ev.seq, ev.occurred_at, ev.actor_type, ev.actor_id,
    ev.action, ev.target_type, ev.target_id, ev.subject_id, ev.session_id, ev.purpose, ev.ip, ev.user_agent, ev.metadata);
  INSERT INTO custodian.audit_events SELECT (ev).*;
  UPDATE custodian.audit_heads SET seq = ev.seq, hash = ev.hash WHERE tenant_id = p_tenant;
  event_seq := ev.seq;
  event_hash := ev.hash;
END
$$;

-- Append-only, for every role, the owner's included (C3). The one UPDATE let
-- through is a foreign-key action (so it runs nested in the referential
-- trigger, pg_trigger_depth() > 1) that sets reference columns to NULL and
-- changes nothing else (C5).
CREATE FUNCTION custodian.audit_events_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  refs text[];
BEGIN
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
    refs := ARRAY(SELECT custodian.audit_reference_columns());
    IF cardinality(refs) > 0
       AND (NEW.tenant_id, NEW.seq, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.action, NEW.target_type,
            NEW.target_id, NEW.subject_id, NEW.session_id, NEW.purpose, NEW.ip::text, NEW.user_agent,
            NEW.metadata::text, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.tenant_id, OLD.seq, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.action, OLD.target_type,
            OLD.target_id, OLD.subject_id, OLD.session_id, OLD.purpose, OLD.ip::text, OLD.user_agent,
            OLD.metadata::text, OLD.prev_hash, OLD.hash)
       AND (to_jsonb(NEW) - refs) = (to_jsonb(OLD) - refs)
       AND NOT EXISTS (
         SELECT 1 FROM jsonb_each(to_jsonb(NEW)) n
          WHERE n.key = ANY (refs) AND n.value <> 'null'::jsonb AND n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key
       )
    THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- For row and statement triggers alike: refuses whatever fired it.
CREATE FUNCTION custodian.audit_refuse() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON custodian.audit_events
  FOR EACH ROW EXECUTE FUNCTION custodian.audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON custodian.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION custodian.audit_refuse();

-- Checkpoints are append-only too, and each must match the chain it signs.
-- SECURITY DEFINER: the check reads the events past row-level security.
CREATE FUNCTION custodian.audit_checkpoint_matches_chain() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM custodian.audit_events e
     WHERE e.tenant_id = NEW.tenant_id AND e.seq = NEW.size AND e.hash = NEW.head_hash
  ) THEN
    RAISE EXCEPTION 'a checkpoint must name the hash its tenant''s chain has at that size' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_checkpoints_match_chain BEFORE INSERT ON custodian.audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION custodian.audit_checkpoint_matches_chain();
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON custodian.audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION custodian.audit_refuse();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON custodian.audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION custodian.audit_refuse();

-- The application appends only through audit_append() and reads only its
-- tenant's events (C8: a tenant's audit page shows its own chain, operator
-- accesses included). It has no UPDATE, DELETE or TRUNCATE on any audit table.
REVOKE ALL ON FUNCTION custodian.audit_append(text, text, text, text, text, text, text, text, text, inet, text, json, jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian.audit_append(text, text, text, text, text, text, text, text, text, inet, text, json, jsonb, timestamptz) TO custodian_app;

ALTER TABLE custodian.audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_events_tenant_read ON custodian.audit_events FOR SELECT TO custodian_app
  USING (tenant_id = custodian.current_tenant());
GRANT SELECT ON custodian.audit_events TO custodian_app;

-- Checkpoints may be written by the application's own periodic job; the
-- trigger above keeps them consistent with the chain whoever writes them.
ALTER TABLE custodian.audit_checkpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_checkpoints_tenant_read ON custodian.audit_checkpoints FOR SELECT TO custodian_app
  USING (tenant_id = custodian.current_tenant());
CREATE POLICY audit_checkpoints_insert ON custodian.audit_checkpoints FOR INSERT TO custodian_app
  WITH CHECK (true);
GRANT SELECT, INSERT ON custodian.audit_checkpoints TO custodian_app;
