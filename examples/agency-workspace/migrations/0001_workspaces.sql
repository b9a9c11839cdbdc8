-- Workspaces, the people in them, and their roles.
--
-- Every table that holds a workspace's data leads its primary key with
-- `workspace_id` and carries the same row-level security policy: the
-- application role sees and writes only the rows of the transaction's tenant
-- (`custodian.current_tenant()`, set per transaction). Custodian's own jobs
-- run as the table owner, which these policies do not bind.

CREATE TABLE workspaces (
  id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text        NOT NULL,
  -- B10: the logical data region; steers the AI provider region and legal context.
  region              text        NOT NULL DEFAULT 'us' CHECK (region IN ('us', 'eu', 'me-south', 'ap-northeast')),
  plan                text        NOT NULL DEFAULT 'free-trial' CHECK (plan IN ('free-trial', 'starter', 'growth', 'enterprise')),
  subscription_status text        NOT NULL DEFAULT 'trialing' CHECK (subscription_status IN ('trialing', 'active', 'past_due', 'cancelled')),
  -- The billing provider's customer id for the agency; billing gets no workroom content.
  billing_customer_id text        UNIQUE,
  created_at          timestamptz NOT NULL DEFAULT now(),
  -- B8: cancelling only drops the plan to the free trial; nothing keys deletion on this.
  cancelled_at        timestamptz,
  CHECK (subscription_status <> 'cancelled' OR cancelled_at IS NOT NULL)
);

-- People are not a workspace's rows: one person can belong to several
-- workspaces, and sign-in finds them before any tenant is chosen. So no
-- row-level security here; the application reads other members' names
-- through workspace_members.
CREATE TABLE users (
  id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- B6: replaced by `deleted-<uuid>@deleted.invalid` on deletion, so it stays NOT NULL and unique.
  email               text        NOT NULL UNIQUE,
  display_name        text        NOT NULL,
  language_preference text        CHECK (language_preference ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  created_at          timestamptz NOT NULL DEFAULT now(),
  deleted_at          timestamptz
);
-- Email lookups compare trimmed, lower-cased values (the policy's `normalized` lookup).
CREATE INDEX users_email_normalized ON users (lower(btrim(email)));

CREATE TABLE workspace_members (
  workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- B9: roles gate reads and writes.
  role         text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  joined_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE UNIQUE INDEX workspace_members_one_owner ON workspace_members (workspace_id) WHERE role = 'owner';
CREATE INDEX workspace_members_user ON workspace_members (user_id);

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspaces
  USING (id::text = custodian.current_tenant())
  WITH CHECK (id::text = custodian.current_tenant());

ALTER TABLE workspace_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspace_members
  USING (workspace_id::text = custodian.current_tenant())
  WITH CHECK (workspace_id::text = custodian.current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces, users, workspace_members TO custodian_app;
