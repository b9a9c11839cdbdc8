-- C18 in the database: a candidate's session data (the session, its events
-- and its scorecards) is visible only to company members whose role is
-- sufficient, whatever the application code does. These policies are
-- RESTRICTIVE, so they narrow the tenant policies of 0004 rather than widen
-- them. A transaction with no member role set (NULL) is not a member's
-- request: the candidate's own flow and Custodian's jobs, still bound to one
-- company by the tenant policies. 'operator' is a platform operator reading
-- under a live, audited grant (C19).

CREATE POLICY member_role ON assessment_sessions AS RESTRICTIVE
  USING (custodian.current_member_role() IS NULL OR custodian.current_member_role() IN ('owner', 'admin', 'member', 'operator'));

CREATE POLICY member_role ON session_events AS RESTRICTIVE
  USING (custodian.current_member_role() IS NULL OR custodian.current_member_role() IN ('owner', 'admin', 'member', 'operator'));

CREATE POLICY member_role ON scorecards AS RESTRICTIVE
  USING (custodian.current_member_role() IS NULL OR custodian.current_member_role() IN ('owner', 'admin', 'member', 'operator'));
