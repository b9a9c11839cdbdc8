-- Data subject requests and their deadlines (B7, C11, C12).
--
-- One row per request a person makes: access, erasure, rectification,
-- restriction or objection. Each gets a deadline from its jurisdiction when it
-- is received (GDPR 30 days, CCPA 45) and moves received → verified →
-- in_progress → completed, or to rejected with a reason. The row names the
-- person by subject kind and key (text, like the audit log: the row outlives
-- the person's own rows, as evidence the request was answered) and the name
-- of the identity they were found by — never the identity's value.
--
-- Every change of a request also writes an audit event in its tenant's chain,
-- in the same transaction (docs/dsar.md, "Requests and deadlines").

CREATE TABLE custodian.dsar_requests (
  id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The person's tenant, or '_platform' for subjects that belong to none: the
  -- audit chain the request's events join and the tenant row-level security keys on.
  tenant_id          text        NOT NULL CHECK (tenant_id <> ''),
  subject            text        NOT NULL CHECK (subject <> ''),
  subject_key        text        NOT NULL CHECK (subject_key <> ''),
  identity           text        NOT NULL CHECK (identity <> ''),
  kind               text        NOT NULL CHECK (kind IN ('access', 'erasure', 'rectification', 'restriction', 'objection')),
  -- Configurable in the library (gdpr and ccpa built in), so a name, not a fixed list.
  jurisdiction       text        NOT NULL CHECK (jurisdiction ~ '^[a-z][a-z0-9_-]*$'),
  status             text        NOT NULL DEFAULT 'received'
                                 CHECK (status IN ('received', 'verified', 'in_progress', 'completed', 'rejected')),
  received_at        timestamptz NOT NULL,
  due_at             timestamptz NOT NULL,
  -- The most the deadline may be extended by under the jurisdiction, fixed
  -- when the request is received so a later configuration change cannot move it.
  max_extension_days integer     NOT NULL CHECK (max_extension_days >= 0),
  extended_days      integer     NOT NULL DEFAULT 0 CHECK (extended_days >= 0),
  extended_due_at    timestamptz,
  extension_reason   text,
  verified_at        timestamptz,
  verification       text,
  started_at         timestamptz,
  completed_at       timestamptz,
  rejected_at        timestamptz,
  rejection_reason   text,
  -- What the request produced: an export's artifact id, erasure counts.
  result             jsonb,
  -- Rectification: what to correct. Objection and restriction: which processing.
  details            jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
  updated_at         timestamptz NOT NULL,
  CHECK (due_at > received_at),
  CHECK (extended_days <= max_extension_days),
  CHECK ((extended_days = 0) = (extended_due_at IS NULL)),
  CHECK (extended_due_at IS NULL OR (extended_due_at > due_at AND extension_reason IS NOT NULL)),
  CHECK (status IN ('received', 'rejected') OR verified_at IS NOT NULL),
  CHECK (status <> 'in_progress' OR started_at IS NOT NULL),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
  CHECK ((status = 'rejected') = (rejected_at IS NOT NULL AND rejection_reason IS NOT NULL))
);

-- The lists an operator reads: a tenant's open requests by deadline, and every
-- open request by deadline (due soon, overdue).
CREATE INDEX dsar_requests_tenant ON custodian.dsar_requests (tenant_id, received_at);
CREATE INDEX dsar_requests_open_deadline ON custodian.dsar_requests ((coalesce(extended_due_at, due_at)))
  WHERE status NOT IN ('completed', 'rejected');
CREATE INDEX dsar_requests_subject ON custodian.dsar_requests (tenant_id, subject, subject_key);

-- A request only moves forward: received → verified → in_progress →
-- completed, and any open request → rejected. Completed and rejected are
-- final. Who it is about, when it was received and its first deadline never
-- change. The library refuses illegal moves with a clear error first; this
-- holds for every role, the owner's and a hand-written UPDATE included.
CREATE FUNCTION custodian.dsar_requests_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.tenant_id <> OLD.tenant_id OR NEW.subject <> OLD.subject
     OR NEW.subject_key <> OLD.subject_key OR NEW.identity <> OLD.identity OR NEW.kind <> OLD.kind
     OR NEW.jurisdiction <> OLD.jurisdiction OR NEW.received_at <> OLD.received_at OR NEW.due_at <> OLD.due_at
     OR NEW.max_extension_days <> OLD.max_extension_days THEN
    RAISE EXCEPTION 'a data subject request''s identity and first deadline cannot change' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.extended_days < OLD.extended_days THEN
    RAISE EXCEPTION 'a deadline extension cannot be taken back' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'received' AND NEW.status IN ('verified', 'rejected'))
    OR (OLD.status = 'verified' AND NEW.status IN ('in_progress', 'completed', 'rejected'))
    OR (OLD.status = 'in_progress' AND NEW.status IN ('completed', 'rejected'))
  ) THEN
    RAISE EXCEPTION 'a data subject request cannot move from % to %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status IN ('completed', 'rejected') AND NEW IS DISTINCT FROM OLD THEN
    RAISE EXCEPTION 'a finished data subject request cannot change' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER dsar_requests_guard BEFORE UPDATE ON custodian.dsar_requests
  FOR EACH ROW EXECUTE FUNCTION custodian.dsar_requests_guard();

-- Restrictions of processing (C12): put in place when a restriction or an
-- objection request is verified, lifted by an operator (or when the request
-- is rejected). Processing code asks `isRestricted` before it touches a
-- person's data; the partial index answers from the live restrictions only.
-- `processing` NULL restricts all processing; otherwise the one named
-- (an objection names the processing objected to, e.g. `marketing`).
CREATE TABLE custodian.subject_restrictions (
  request_id    uuid        PRIMARY KEY REFERENCES custodian.dsar_requests (id),
  tenant_id     text        NOT NULL,
  subject       text        NOT NULL,
  subject_key   text        NOT NULL,
  processing    text        CHECK (processing IS NULL OR processing ~ '^[a-z][a-z0-9_.-]*$'),
  restricted_at timestamptz NOT NULL,
  lifted_at     timestamptz,
  lift_reason   text,
  CHECK ((lifted_at IS NULL) = (lift_reason IS NULL))
);

CREATE INDEX subject_restrictions_live ON custodian.subject_restrictions (tenant_id, subject, subject_key)
  WHERE lifted_at IS NULL;

-- A restriction is lifted once and then stays as it is: the record of when it held.
CREATE FUNCTION custodian.subject_restrictions_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF OLD.lifted_at IS NOT NULL
     OR (NEW.request_id, NEW.tenant_id, NEW.subject, NEW.subject_key, NEW.processing, NEW.restricted_at)
        IS DISTINCT FROM (OLD.request_id, OLD.tenant_id, OLD.subject, OLD.subject_key, OLD.processing, OLD.restricted_at) THEN
    RAISE EXCEPTION 'a restriction can only be lifted, once' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER subject_restrictions_guard BEFORE UPDATE ON custodian.subject_restrictions
  FOR EACH ROW EXECUTE FUNCTION custodian.subject_restrictions_guard();

-- Whether processing of a person is restricted: the one question processing
-- code asks. SECURITY DEFINER so a service with no tenant context may ask it
-- (a subject of no tenant lives under '_platform'); inside a tenant's
-- transaction it answers for that tenant only, as audit_append() writes.
CREATE FUNCTION custodian.is_restricted(p_tenant text, p_subject text, p_key text, p_processing text)
  RETURNS boolean
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  context_tenant text := custodian.current_tenant();
BEGIN
  IF context_tenant IS NOT NULL AND context_tenant IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'a restriction may only be checked in the tenant of the transaction' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN EXISTS (
    SELECT 1 FROM custodian.subject_restrictions r
     WHERE r.tenant_id = p_tenant AND r.subject = p_subject AND r.subject_key = p_key AND r.lifted_at IS NULL
       AND (r.processing IS NULL OR r.processing = p_processing)
  );
END
$$;
REVOKE ALL ON FUNCTION custodian.is_restricted(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian.is_restricted(text, text, text, text) TO custodian_app;

-- The application records requests and moves them along within its tenant's
-- transactions; it never deletes one (the record is the evidence) and never
-- rewrites who a request is about. Same for restrictions: add, read, lift.
ALTER TABLE custodian.dsar_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY dsar_requests_tenant ON custodian.dsar_requests FOR ALL TO custodian_app
  USING (tenant_id = custodian.current_tenant()) WITH CHECK (tenant_id = custodian.current_tenant());
GRANT SELECT, INSERT ON custodian.dsar_requests TO custodian_app;
GRANT UPDATE (status, extended_days, extended_due_at, extension_reason, verified_at, verification, started_at,
              completed_at, rejected_at, rejection_reason, result, updated_at) ON custodian.dsar_requests TO custodian_app;

ALTER TABLE custodian.subject_restrictions ENABLE ROW LEVEL SECURITY;
CREATE POLICY subject_restrictions_tenant ON custodian.subject_restrictions FOR ALL TO custodian_app
  USING (tenant_id = custodian.current_tenant()) WITH CHECK (tenant_id = custodian.current_tenant());
GRANT SELECT, INSERT ON custodian.subject_restrictions TO custodian_app;
GRANT UPDATE (lifted_at, lift_reason) ON custodian.subject_restrictions TO custodian_app;
