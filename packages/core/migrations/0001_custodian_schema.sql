-- Custodian's own schema, the application role and the tenant context.

CREATE SCHEMA IF NOT EXISTS custodian;

-- The role an application connects as: not the owner of any table, not a
-- superuser, and unable to bypass row-level security. Roles are shared by every
-- database of a cluster, so another database may have created it already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custodian_app') THEN
    CREATE ROLE custodian_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

GRANT USAGE ON SCHEMA custodian TO custodian_app;

-- The tenant of the current transaction, set by `set_config('custodian.tenant_id', $1, true)`.
-- NULL when unset, so a row-level security policy comparing to it matches nothing.
CREATE FUNCTION custodian.current_tenant() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('custodian.tenant_id', true), '') $$;

GRANT EXECUTE ON FUNCTION custodian.current_tenant() TO custodian_app;
