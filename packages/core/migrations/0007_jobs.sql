-- A small job queue in Postgres itself (docs/dsar.md, "The job queue").
--
-- Modelled on graphile-worker's design — one table, a claim that takes the
-- next due row with FOR UPDATE SKIP LOCKED in one statement, exponential
-- backoff, a unique job key — without its LISTEN/NOTIFY and its need for a
-- `pg` pool, which the embedded PGlite database (one in-process connection)
-- cannot give. Workers poll. The same table serves one PGlite process and many
-- PostgreSQL instances.
--
-- A claimed job holds a lease (locked_by, locked_until) that its worker renews
-- while it runs. A worker that dies stops renewing; once the lease has expired
-- another worker claims the job again (an attempt is counted each time), so a
-- job runs at least once and, while its worker lives, by one worker only.
-- Handlers must therefore be idempotent.
--
-- Payloads name things (a request id, a tenant), never personal data or
-- secrets: the table is read by operators and kept after the job ends.

CREATE TABLE custodian.jobs (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task            text        NOT NULL CHECK (task ~ '^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$'),
  payload         jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  -- queued: waiting for run_at; running: claimed (the lease says until when);
  -- succeeded and failed are final (failed: max_attempts used up).
  state           text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  run_at          timestamptz NOT NULL,
  attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts    integer     NOT NULL DEFAULT 10 CHECK (max_attempts BETWEEN 1 AND 1000),
  -- The last failure: a stable error code and a redacted message, never a stack.
  last_error_code text,
  last_error      text,
  locked_by       text,
  locked_until    timestamptz,
  -- De-duplication: at most one unfinished job per key.
  job_key         text        CHECK (job_key IS NULL OR job_key <> ''),
  -- The handler's own report, e.g. {"done": 40, "total": 100}.
  progress        jsonb,
  created_at      timestamptz NOT NULL,
  started_at      timestamptz,
  finished_at     timestamptz,
  CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL)),
  CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);

-- The claim's scan: due, unfinished jobs in order.
CREATE INDEX jobs_due ON custodian.jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leases ON custodian.jobs (locked_until) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_key_unfinished ON custodian.jobs (job_key) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_key ON custodian.jobs (job_key, id) WHERE job_key IS NOT NULL;

-- Workers may run as the application role: they add, claim, renew and finish
-- jobs. Nobody but the owner deletes job history.
GRANT SELECT, INSERT ON custodian.jobs TO custodian_app;
GRANT UPDATE (state, run_at, attempts, last_error_code, last_error, locked_by, locked_until, progress, started_at, finished_at)
  ON custodian.jobs TO custodian_app;
