-- Sign-in, sessions, tenant membership, invites and operator access (docs/server.md).
--
-- People sign in with an OpenID provider only: there is no password column
-- anywhere (A10). Sessions live here, server-side, and the cookie carries a
-- random token whose SHA-256 alone is stored (a leaked table signs nobody in).
-- Membership, invites and operator grants are per tenant; the first two are
-- bound by row-level security like the application's own tenant tables.

CREATE TABLE custodian.accounts (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The provider's issuer URL (or `development` for the demo's sign-in) and its `sub` claim.
  issuer          text        NOT NULL CHECK (btrim(issuer) <> ''),
  subject         text        NOT NULL CHECK (btrim(subject) <> ''),
  email           text,
  name            text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz,
  -- Set when the person deletes their account (A7, C11): every session ends,
  -- email and name are cleared, and the (issuer, subject) pair stays only so
  -- that a later sign-in with it is refused.
  deleted_at      timestamptz,
  UNIQUE (issuer, subject),
  CHECK (deleted_at IS NULL OR (email IS NULL AND name IS NULL))
);

CREATE INDEX accounts_email_idx ON custodian.accounts (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE custodian.sessions (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id   uuid        NOT NULL REFERENCES custodian.accounts (id) ON DELETE CASCADE,
  token_hash   bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  -- Sign-out and account deletion end a session; an ended session signs nobody in.
  ended_at     timestamptz,
  ended_reason text        CHECK (ended_reason IN ('signed-out', 'account-deleted', 'revoked')),
  CHECK (expires_at > created_at),
  CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);

CREATE INDEX sessions_account_idx ON custodian.sessions (account_id);

-- A deleted account never gets a live session, whatever code path tries.
CREATE FUNCTION custodian.sessions_refuse_deleted() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.ended_at IS NULL AND EXISTS (SELECT 1 FROM custodian.accounts a WHERE a.id = NEW.account_id AND a.deleted_at IS NOT NULL) THEN
    RAISE EXCEPTION 'account % is deleted: no session may be opened for it', NEW.account_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER sessions_refuse_deleted BEFORE INSERT OR UPDATE ON custodian.sessions
  FOR EACH ROW EXECUTE FUNCTION custodian.sessions_refuse_deleted();

-- The state of a sign-in between the redirect to the provider and its
-- callback: the PKCE verifier and nonce stay on the server, the browser holds
-- only the random state (whose hash is the key). Used once, then deleted.
CREATE TABLE custodian.signin_attempts (
  state_hash    bytea       PRIMARY KEY CHECK (octet_length(state_hash) = 32),
  provider      text        NOT NULL,
  nonce         text        NOT NULL,
  code_verifier text        NOT NULL,
  return_to     text        NOT NULL DEFAULT '/',
  expires_at    timestamptz NOT NULL
);

CREATE INDEX signin_attempts_expires_idx ON custodian.signin_attempts (expires_at);

CREATE TABLE custodian.memberships (
  tenant_id  text        NOT NULL CHECK (btrim(tenant_id) <> ''),
  account_id uuid        NOT NULL REFERENCES custodian.accounts (id) ON DELETE CASCADE,
  role       text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, account_id)
);

CREATE INDEX memberships_account_idx ON custodian.memberships (account_id);

-- C20: the token is 256 random bits sent once; only its SHA-256 is kept.
CREATE TABLE custodian.invites (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  text        NOT NULL CHECK (btrim(tenant_id) <> ''),
  email      text        NOT NULL CHECK (email = lower(btrim(email)) AND email <> ''),
  role       text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  token_hash bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_by uuid        REFERENCES custodian.accounts (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  used_by    uuid        REFERENCES custodian.accounts (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  CHECK (expires_at > created_at)
);

CREATE INDEX invites_tenant_idx ON custodian.invites (tenant_id, created_at);

-- Platform operators: accounts that may ask for time-boxed access to a tenant.
CREATE TABLE custodian.operators (
  account_id uuid        PRIMARY KEY REFERENCES custodian.accounts (id) ON DELETE CASCADE,
  added_at   timestamptz NOT NULL DEFAULT now(),
  added_by   text        NOT NULL
);

-- C19: an operator reads a tenant's data only under a grant that names why
-- (justification, ticket) and ends on its own. Grants are revoked, never deleted.
CREATE TABLE custodian.operator_grants (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  operator_id   uuid        NOT NULL REFERENCES custodian.accounts (id),
  tenant_id     text        NOT NULL CHECK (btrim(tenant_id) <> ''),
  justification text        NOT NULL CHECK (char_length(btrim(justification)) BETWEEN 10 AND 1000),
  ticket        text        CHECK (ticket IS NULL OR char_length(btrim(ticket)) BETWEEN 1 AND 200),
  starts_at     timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  CHECK (expires_at > starts_at)
);

CREATE INDEX operator_grants_live_idx ON custodian.operator_grants (operator_id, tenant_id, expires_at) WHERE revoked_at IS NULL;
CREATE INDEX operator_grants_tenant_idx ON custodian.operator_grants (tenant_id, starts_at);

-- The member's role in the current transaction, beside its tenant, so an
-- application's row-level security can require a role (C18) as well as a tenant.
CREATE FUNCTION custodian.current_member_role() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('custodian.member_role', true), '') $$;

GRANT EXECUTE ON FUNCTION custodian.current_member_role() TO custodian_app;

-- Tenant-scoped reads and writes run as the application role with the tenant
-- set; sessions, accounts and grants are read by the server's own lookups
-- before any tenant is known, as the owner, never by the application role.
ALTER TABLE custodian.memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant ON custodian.memberships TO custodian_app
  USING (tenant_id = custodian.current_tenant()) WITH CHECK (tenant_id = custodian.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON custodian.memberships TO custodian_app;

ALTER TABLE custodian.invites ENABLE ROW LEVEL SECURITY;
CREATE POLICY invites_tenant ON custodian.invites TO custodian_app
  USING (tenant_id = custodian.current_tenant()) WITH CHECK (tenant_id = custodian.current_tenant());
GRANT SELECT, INSERT, UPDATE ON custodian.invites TO custodian_app;

ALTER TABLE custodian.operator_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_grants_tenant_read ON custodian.operator_grants FOR SELECT TO custodian_app
  USING (tenant_id = custodian.current_tenant());
GRANT SELECT ON custodian.operator_grants TO custodian_app;

-- A tenant's member list shows its members' names and emails: the application
-- role sees an account only while it belongs to the current tenant.
ALTER TABLE custodian.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY accounts_tenant_members ON custodian.accounts FOR SELECT TO custodian_app
  USING (EXISTS (SELECT 1 FROM custodian.memberships m WHERE m.account_id = accounts.id AND m.tenant_id = custodian.current_tenant()));
GRANT SELECT (id, email, name, created_at, last_sign_in_at) ON custodian.accounts TO custodian_app;
