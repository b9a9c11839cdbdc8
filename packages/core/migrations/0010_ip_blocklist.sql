-- The incident-response IP blocklist (C22, docs/limits.md). Entries are
-- removed by marking them, never deleted, so the list's history stays beside
-- the audit events that record each change.
CREATE TABLE custodian.ip_blocks (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- One address (a /32 or /128) or a range.
  network    cidr        NOT NULL,
  reason     text        NOT NULL CHECK (btrim(reason) <> '' AND length(reason) <= 500),
  -- Who added it: `operator:<account id>`, `system:cli:<local user>`.
  created_by text        NOT NULL CHECK (btrim(created_by) <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  removed_at timestamptz,
  removed_by text,
  CHECK (expires_at > created_at),
  CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);

-- Servers load the entries in force at start and every few seconds after.
CREATE INDEX ip_blocks_live_idx ON custodian.ip_blocks (expires_at) WHERE removed_at IS NULL;

-- For "which tenants' members signed in from this range" (a block is shown
-- to the tenants it affects): the platform chain's sign-in events, by
-- address range. Every brute-force block asks it, so it must not scan.
CREATE INDEX audit_events_platform_signin_ip_idx ON custodian.audit_events USING gist (ip inet_ops)
  WHERE tenant_id = '_platform' AND action = 'auth.signin';
