-- Connections to an agency's own tools, and the workspace's activity page.

-- Each provider keeps its credential in its own sealed column (B1); a
-- credential column is only ever filled for its provider, so a row cannot
-- carry a token nobody accounts for.
CREATE TABLE integrations (
  workspace_id                   uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                             uuid        NOT NULL DEFAULT gen_random_uuid(),
  provider                       text        NOT NULL CHECK (provider IN ('notion', 'google', 'slack', 'meta', 'whatsapp', 'webhook', 'mcp')),
  label                          text        NOT NULL,
  created_by                     uuid        REFERENCES users (id) ON DELETE SET NULL,
  oauth_access_token_ciphertext  bytea,
  oauth_refresh_token_ciphertext bytea,
  webhook_url                    text,
  webhook_api_key_ciphertext     bytea,
  mcp_server_url                 text,
  mcp_client_id                  text,
  mcp_client_secret_ciphertext   bytea,
  whatsapp_phone_number_id       text,
  whatsapp_token_ciphertext      bytea,
  created_at                     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CONSTRAINT integrations_oauth CHECK (
    CASE WHEN provider IN ('notion', 'google', 'slack', 'meta') THEN oauth_access_token_ciphertext IS NOT NULL
         ELSE oauth_access_token_ciphertext IS NULL AND oauth_refresh_token_ciphertext IS NULL END
  ),
  CONSTRAINT integrations_webhook CHECK (
    CASE WHEN provider = 'webhook' THEN webhook_api_key_ciphertext IS NOT NULL AND webhook_url IS NOT NULL
         ELSE webhook_api_key_ciphertext IS NULL END
  ),
  CONSTRAINT integrations_mcp CHECK (
    CASE WHEN provider = 'mcp' THEN mcp_client_secret_ciphertext IS NOT NULL AND mcp_client_id IS NOT NULL AND mcp_server_url IS NOT NULL
         ELSE mcp_client_secret_ciphertext IS NULL END
  ),
  CONSTRAINT integrations_whatsapp CHECK (
    CASE WHEN provider = 'whatsapp' THEN whatsapp_token_ciphertext IS NOT NULL AND whatsapp_phone_number_id IS NOT NULL
         ELSE whatsapp_token_ciphertext IS NULL END
  )
);

-- B3: every meaningful event in a workspace, shown on its activity page and
-- exported as CSV. B7: data requests appear here too.
CREATE TABLE activity (
  workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  actor_kind   text        NOT NULL CHECK (actor_kind IN ('member', 'agent', 'system')),
  actor_id     uuid        REFERENCES users (id),
  kind         text        NOT NULL CHECK (kind IN (
    'workspace.created', 'member.joined', 'member.role_changed', 'plan.changed', 'subscription.cancelled',
    'region.changed', 'workroom.created', 'agent.edited', 'integration.connected', 'integration.disconnected',
    'export.created', 'request.created', 'request.completed'
  )),
  detail       jsonb       NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CHECK ((actor_kind = 'member') = (actor_id IS NOT NULL))
);
CREATE INDEX activity_page ON activity (workspace_id, created_at DESC);
CREATE INDEX activity_actor ON activity (actor_id) WHERE actor_id IS NOT NULL;

ALTER TABLE integrations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations
  USING (workspace_id::text = custodian.current_tenant())
  WITH CHECK (workspace_id::text = custodian.current_tenant());

ALTER TABLE activity ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON activity
  USING (workspace_id::text = custodian.current_tenant())
  WITH CHECK (workspace_id::text = custodian.current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON integrations TO custodian_app;
-- The activity page is a record of what happened: the application appends to
-- it and reads it, but cannot rewrite or remove an event.
GRANT SELECT, INSERT ON activity TO custodian_app;
