-- Assessment sessions and everything recorded during them.
--
-- Session data is soft-deleted 180 days after completion and hard-deleted 30
-- days later (C13). Events and scorecards cascade from their session, so the
-- hard delete of a session removes all of its data at once, and deleting a
-- candidate removes their sessions and, through them, everything else.

CREATE TABLE assessment_sessions (
  company_id   uuid        NOT NULL REFERENCES companies (id),
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  candidate_id uuid        NOT NULL,
  -- An expired invite may be cleaned up before the session it opened.
  invite_id    uuid,
  title        text        NOT NULL,
  status       text        NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'completed', 'abandoned')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  score        numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
  summary      text,
  -- Kept for rate limiting and incident response.
  client_ip    inet,
  user_agent   text,
  deleted_at   timestamptz,
  PRIMARY KEY (company_id, id),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
  FOREIGN KEY (company_id, candidate_id) REFERENCES candidates (company_id, id) ON DELETE CASCADE,
  FOREIGN KEY (company_id, invite_id) REFERENCES invites (company_id, id) ON DELETE SET NULL (invite_id)
);

CREATE INDEX assessment_sessions_candidate_idx ON assessment_sessions (company_id, candidate_id);
CREATE INDEX assessment_sessions_invite_idx ON assessment_sessions (company_id, invite_id) WHERE invite_id IS NOT NULL;
-- The retention sweep looks for completed sessions by age, and for soft-deleted ones by deleted_at.
CREATE INDEX assessment_sessions_completed_at_idx ON assessment_sessions (completed_at) WHERE completed_at IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX assessment_sessions_deleted_at_idx ON assessment_sessions (deleted_at) WHERE deleted_at IS NOT NULL;

-- The largest table by far (benchmarks put 100,000 events on one person),
-- hence a bigint identity key and the (company_id, session_id) index that
-- every export, cascade and session page uses.
CREATE TABLE session_events (
  company_id uuid        NOT NULL REFERENCES companies (id),
  id         bigint      GENERATED ALWAYS AS IDENTITY,
  session_id uuid        NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('prompt', 'code_edit', 'test_run', 'terminal_output')),
  payload    jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, session_id) REFERENCES assessment_sessions (company_id, id) ON DELETE CASCADE
);

CREATE INDEX session_events_session_idx ON session_events (company_id, session_id, created_at);

CREATE TABLE scorecards (
  company_id         uuid        NOT NULL REFERENCES companies (id),
  id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
  session_id         uuid        NOT NULL,
  reviewer_member_id uuid,
  rating             smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
  notes              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, session_id) REFERENCES assessment_sessions (company_id, id) ON DELETE CASCADE,
  FOREIGN KEY (company_id, reviewer_member_id) REFERENCES company_members (company_id, id) ON DELETE SET NULL (reviewer_member_id)
);

CREATE INDEX scorecards_session_idx ON scorecards (company_id, session_id);
CREATE INDEX scorecards_reviewer_idx ON scorecards (company_id, reviewer_member_id) WHERE reviewer_member_id IS NOT NULL;
