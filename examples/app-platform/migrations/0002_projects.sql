-- Projects people publish, the rows each user stores in a project, and credits spent on them.

CREATE TABLE projects (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Not cascading: a deleted creator's user row is only soft-deleted (A7), so
  -- the project stays, unpublished and hidden.
  owner_id    uuid        NOT NULL REFERENCES users (id),
  -- Globally unique: credit transactions are tagged with it so people can audit spend.
  slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name        text        NOT NULL,
  description text,
  -- `unlisted` is also where the submission gate puts a flagged project (A19).
  visibility  text        NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'unlisted')),
  published   boolean     NOT NULL DEFAULT false,
  -- Hidden projects are out of the public catalog whatever their visibility (A7).
  hidden      boolean     NOT NULL DEFAULT false,
  gate_reason text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_owner ON projects (owner_id);
CREATE INDEX projects_catalog ON projects (created_at) WHERE published AND NOT hidden AND visibility = 'public';

-- What `useProjectData()` returns (A9): rows a user saved in one project. The
-- project is the tenant; the user is a second, per-transaction setting.
CREATE TABLE project_rows (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  -- Reassigned to the placeholder user when its writer's account is erased (A7).
  user_id    uuid        NOT NULL REFERENCES users (id),
  collection text        NOT NULL DEFAULT 'default',
  data       jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_rows_scope ON project_rows (project_id, user_id, collection);
CREATE INDEX project_rows_user ON project_rows (user_id);

-- The user a project runtime acts for, set per transaction like the tenant:
-- `set_config('app.user_id', $1, true)`. NULL when unset, so nothing matches.
CREATE FUNCTION current_project_user() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.user_id', true), '') $$;
GRANT EXECUTE ON FUNCTION current_project_user() TO custodian_app;

-- A9, fail closed: the application role sees a row only inside a transaction
-- that names both its project (the tenant) and its user. The first policy
-- admits the project's rows; the second is RESTRICTIVE, so a row must also
-- belong to the user.
ALTER TABLE project_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY project_rows_project ON project_rows
  USING (project_id::text = custodian.current_tenant())
  WITH CHECK (project_id::text = custodian.current_tenant());
CREATE POLICY project_rows_user ON project_rows AS RESTRICTIVE
  USING (user_id::text = current_project_user())
  WITH CHECK (user_id::text = current_project_user());

-- Top-ups are positive, per-call deductions negative and tagged with the project.
CREATE TABLE credit_transactions (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid        NOT NULL REFERENCES users (id),
  kind         text        NOT NULL CHECK (kind IN ('top-up', 'deduction', 'refund', 'grant')),
  -- A slug, not a foreign key: the record of spend outlives a renamed or deleted project.
  project_slug text,
  amount       integer     NOT NULL CHECK (amount <> 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'deduction') = (amount < 0)),
  CHECK (kind <> 'deduction' OR project_slug IS NOT NULL)
);
CREATE INDEX credit_transactions_user ON credit_transactions (user_id, created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON projects, project_rows, credit_transactions TO custodian_app;
