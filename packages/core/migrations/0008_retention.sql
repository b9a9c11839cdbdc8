-- Retention: the executor's bookkeeping (docs/retention.md).
--
-- The rows retention acts on live in the application's own tables; these
-- tables record who may act (leases), what must not be touched (legal holds),
-- whom we warned (inactivity notices) and what each run did (runs). None of
-- them holds personal data beyond the key of a held or notified person.

-- A runner's claim on one rule, so two server instances never sweep the same
-- rule at once. A lease rather than a session advisory lock: pooled
-- connections and the embedded database give no connection to hold one on
-- across batches, and a lease that expires frees a rule whose runner died.
-- Every batch renews the lease in the batch's own transaction and fails if
-- another runner took it over (fencing).
CREATE TABLE custodian.retention_leases (
  rule_id     text        PRIMARY KEY,
  holder      text        NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- Legal holds: while a hold stands, no retention step and no erasure deletes
-- or anonymizes the tenant's or the person's data. Holds are lifted, never
-- deleted, so the record of who held what and why stays.
CREATE TABLE custodian.legal_holds (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The tenant held, or the held person's tenant.
  tenant_id      text,
  -- The held person: their subject kind and key (as text).
  subject_type   text,
  subject_key    text,
  reason         text        NOT NULL CHECK (btrim(reason) <> ''),
  reference      text,
  set_by_type    text        NOT NULL,
  set_by_id      text        NOT NULL,
  set_at         timestamptz NOT NULL,
  lifted_at      timestamptz,
  lifted_by_type text,
  lifted_by_id   text,
  lift_reason    text,
  CHECK (tenant_id IS NOT NULL OR subject_key IS NOT NULL),
  CHECK ((subject_type IS NULL) = (subject_key IS NULL)),
  CHECK ((lifted_at IS NULL) = (lifted_by_id IS NULL))
);

CREATE INDEX legal_holds_standing_tenant ON custodian.legal_holds (tenant_id) WHERE lifted_at IS NULL AND subject_key IS NULL;
CREATE INDEX legal_holds_standing_subject ON custodian.legal_holds (subject_type, subject_key) WHERE lifted_at IS NULL AND subject_key IS NOT NULL;

-- Pre-deletion notices of inactivity rules (C14). One open notice per person
-- and rule; it ends cancelled (they came back) or erased.
CREATE TABLE custodian.retention_notices (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_id          text        NOT NULL,
  subject_type     text        NOT NULL,
  subject_key      text        NOT NULL,
  tenant_id        text,
  -- The person's latest activity when they were told: activity after it cancels the erasure.
  last_activity_at timestamptz NOT NULL,
  sent_at          timestamptz NOT NULL,
  due_at           timestamptz NOT NULL CHECK (due_at > sent_at),
  state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'cancelled', 'erased')),
  resolved_at      timestamptz,
  CHECK ((state = 'pending') = (resolved_at IS NULL))
);

-- A subject's key may be unique only within its tenant, so the tenant is part of who was told.
CREATE UNIQUE INDEX retention_notices_open ON custodian.retention_notices (rule_id, subject_type, subject_key, coalesce(tenant_id, '')) WHERE state = 'pending';
CREATE INDEX retention_notices_due ON custodian.retention_notices (rule_id, due_at) WHERE state = 'pending';

-- One row per run: when, against what time, by what, and the counts per step.
CREATE TABLE custodian.retention_runs (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- The time every decision of the run was measured against.
  as_of       timestamptz NOT NULL,
  trigger     text        NOT NULL,
  holder      text        NOT NULL,
  -- running until it ends; a run whose process died stays `running` until
  -- the next run finds its heartbeat ten minutes old and marks it `interrupted`.
  state       text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'succeeded', 'failed', 'interrupted')),
  -- Moved on by every batch: a `running` run whose heartbeat stopped long ago died.
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  steps       jsonb       NOT NULL DEFAULT '[]'::jsonb,
  error_code  text,
  CHECK ((state = 'running') = (finished_at IS NULL))
);

-- The application role may read holds (to show a tenant what is held) and nothing else here.
GRANT SELECT ON custodian.legal_holds TO custodian_app;
