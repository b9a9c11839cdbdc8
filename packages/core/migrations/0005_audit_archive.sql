-- Audit retention and archive (C6): after the policy's retention period, a
-- prefix of a tenant's chain moves out of custodian.audit_events into an
-- archive segment (JSON Lines with every hashed field, and a signed
-- checkpoint at its last event) that verifies on its own. The segment's
-- record stays here, so an archived event is still found by its id, and the
-- verifier starts the remaining chain from the archived boundary hash.

CREATE TABLE custodian.audit_archives (
  tenant_id       text        NOT NULL,
  from_seq        bigint      NOT NULL CHECK (from_seq >= 1),
  to_seq          bigint      NOT NULL,
  -- The chain hash before the segment's first event, and at its last.
  first_prev_hash bytea       NOT NULL CHECK (octet_length(first_prev_hash) = 32),
  last_hash       bytea       NOT NULL CHECK (octet_length(last_hash) = 32),
  -- Where the segment lives in the archive store, and the SHA-256 of its bytes.
  location        text        NOT NULL,
  sha256          bytea       NOT NULL CHECK (octet_length(sha256) = 32),
  -- The signed checkpoint at to_seq, also stored beside the segment.
  checkpoint_note text        NOT NULL,
  archived_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, from_seq),
  CHECK (to_seq >= from_seq)
);

CREATE TRIGGER audit_archives_no_update_delete BEFORE UPDATE OR DELETE ON custodian.audit_archives
  FOR EACH ROW EXECUTE FUNCTION custodian.audit_refuse();
CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON custodian.audit_archives
  FOR EACH STATEMENT EXECUTE FUNCTION custodian.audit_refuse();

-- The guard of 0004, with one more way through: a DELETE made by
-- audit_prune_archived() (which sets custodian.audit_prune to the tenant for
-- its own statement) of an event that an archive record covers. Everything
-- else is refused exactly as before.
CREATE OR REPLACE FUNCTION custodian.audit_events_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  refs text[];
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('custodian.audit_prune', true) = OLD.tenant_id
     AND EXISTS (SELECT 1 FROM custodian.audit_archives a
                  WHERE a.tenant_id = OLD.tenant_id AND OLD.seq BETWEEN a.from_seq AND a.to_seq)
  THEN
    RETURN OLD;
  END IF;
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

-- Removes a tenant's events up to p_to_seq, only when an archive record ends
-- exactly there with the hash the chain has there: nothing leaves the table
-- before its archive is recorded. Owner only (no grant to the application).
CREATE FUNCTION custodian.audit_prune_archived(p_tenant text, p_to_seq bigint) RETURNS bigint
  LANGUAGE plpgsql
  AS $$
DECLARE
  removed bigint;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM custodian.audit_archives a
      JOIN custodian.audit_events e ON e.tenant_id = a.tenant_id AND e.seq = a.to_seq AND e.hash = a.last_hash
     WHERE a.tenant_id = p_tenant AND a.to_seq = p_to_seq
  ) THEN
    RAISE EXCEPTION 'no archive record ends at that event with its hash' USING ERRCODE = 'check_violation';
  END IF;
  PERFORM set_config('custodian.audit_prune', p_tenant, true);
  DELETE FROM custodian.audit_events WHERE tenant_id = p_tenant AND seq <= p_to_seq;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('custodian.audit_prune', '', true);
  RETURN removed;
END
$$;
REVOKE ALL ON FUNCTION custodian.audit_prune_archived(text, bigint) FROM PUBLIC;

-- The application reads its tenant's archive records (to find archived events by id).
ALTER TABLE custodian.audit_archives ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_archives_tenant_read ON custodian.audit_archives FOR SELECT TO custodian_app
  USING (tenant_id = custodian.current_tenant());
GRANT SELECT ON custodian.audit_archives TO custodian_app;
