-- Workrooms and their conversations. Message content is sealed (B1).

CREATE TABLE workrooms (
  workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  name         text        NOT NULL,
  created_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  archived_at  timestamptz,
  PRIMARY KEY (workspace_id, id)
);

CREATE TABLE messages (
  workspace_id       uuid        NOT NULL,
  id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
  workroom_id        uuid        NOT NULL,
  -- Agents write too; their messages have no author row.
  author_kind        text        NOT NULL CHECK (author_kind IN ('member', 'agent')),
  author_id          uuid        REFERENCES users (id),
  agent_name         text,
  content_ciphertext bytea       NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  edited_at          timestamptz,
  PRIMARY KEY (workspace_id, id),
  -- The workroom must be in the same workspace: the key carries the tenant.
  FOREIGN KEY (workspace_id, workroom_id) REFERENCES workrooms (workspace_id, id) ON DELETE CASCADE,
  CHECK ((author_kind = 'member') = (author_id IS NOT NULL)),
  CHECK ((author_kind = 'agent') = (agent_name IS NOT NULL))
);
CREATE INDEX messages_workroom ON messages (workspace_id, workroom_id, created_at);
CREATE INDEX messages_author ON messages (author_id) WHERE author_id IS NOT NULL;

ALTER TABLE workrooms ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workrooms
  USING (workspace_id::text = custodian.current_tenant())
  WITH CHECK (workspace_id::text = custodian.current_tenant());

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
  USING (workspace_id::text = custodian.current_tenant())
  WITH CHECK (workspace_id::text = custodian.current_tenant());
-- B9: viewers read but do not write. A member's message needs an author who
-- is a non-viewer member of the workspace; checked by the database so no
-- code path can skip it.
CREATE POLICY members_write ON messages AS RESTRICTIVE FOR INSERT
  WITH CHECK (
    author_kind = 'agent' OR EXISTS (
      SELECT 1 FROM workspace_members m
       WHERE m.workspace_id = messages.workspace_id AND m.user_id = messages.author_id AND m.role <> 'viewer'
    )
  );

GRANT SELECT, INSERT, UPDATE, DELETE ON workrooms, messages TO custodian_app;
