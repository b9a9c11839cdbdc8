-- Tenant isolation (C18, C19): the application role sees and writes only the
-- rows of the company named by the transaction's tenant context. With no
-- context set, custodian.current_tenant() is NULL and every policy matches
-- nothing. The table owner (migrations, seeding, Custodian's cross-tenant
-- retention jobs) is not bound; the application never connects as it.

ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON companies
  USING (id::text = custodian.current_tenant())
  WITH CHECK (id::text = custodian.current_tenant());

ALTER TABLE company_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_members
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE customer_api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customer_api_keys
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE billing_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_records
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE candidates ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON candidates
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invites
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE assessment_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON assessment_sessions
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE session_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session_events
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

ALTER TABLE scorecards ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scorecards
  USING (company_id::text = custodian.current_tenant())
  WITH CHECK (company_id::text = custodian.current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON
  companies, company_members, customer_api_keys, billing_records,
  candidates, invites, assessment_sessions, session_events, scorecards
  TO custodian_app;

-- Inserting an event as the application role draws from its identity sequence.
GRANT USAGE ON SEQUENCE session_events_id_seq TO custodian_app;

-- The one deliberate exception: a candidate arriving with an invite token has
-- no tenant yet. This function resolves the token's hash to its invite and
-- company, and nothing else, so the application can then set the tenant
-- context. It takes the hash, never the token, so the token stays out of SQL
-- text and statement logs (C20). Brute-force lookups are throttled before
-- the call (C23).
CREATE FUNCTION invite_by_token_hash(hash bytea)
  RETURNS TABLE (company_id uuid, invite_id uuid, candidate_id uuid, expires_at timestamptz, used_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$ SELECT i.company_id, i.id, i.candidate_id, i.expires_at, i.used_at FROM public.invites i WHERE i.token_hash = hash $$;

REVOKE ALL ON FUNCTION invite_by_token_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION invite_by_token_hash(bytea) TO custodian_app;
