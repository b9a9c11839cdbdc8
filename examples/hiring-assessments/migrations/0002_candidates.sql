-- Candidates and the invites that bring them in.
--
-- A candidate belongs to the company that invited them; the same person
-- invited by two companies is two candidates, each visible to one company only.
-- Deleting a candidate takes their invites with it (ON DELETE CASCADE), so an
-- erasure or the inactivity rule (C14) can remove a candidate in one statement
-- and nothing about them is left behind unreachable.

CREATE TABLE candidates (
  company_id      uuid        NOT NULL REFERENCES companies (id),
  id              uuid        NOT NULL DEFAULT gen_random_uuid(),
  -- Stored trimmed and lower-cased, so lookups and the unique key agree.
  email           text        NOT NULL CHECK (email = lower(btrim(email))),
  full_name       text,
  -- Activity for the 2-year inactivity rule (C14): a sign-in or a new invite resets it.
  last_login_at   timestamptz,
  last_invited_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- Set by a self-service deletion request (C11): sign-in is refused from then on.
  deleted_at      timestamptz,
  PRIMARY KEY (company_id, id),
  UNIQUE (company_id, email)
);

-- The inactivity sweep scans by last activity across all companies.
CREATE INDEX candidates_activity_idx ON candidates ((greatest(coalesce(last_login_at, created_at), coalesce(last_invited_at, created_at))));
CREATE INDEX candidates_deleted_at_idx ON candidates (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE invites (
  company_id   uuid        NOT NULL REFERENCES companies (id),
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  candidate_id uuid        NOT NULL,
  -- SHA-256 of the token sent by email; the token itself is never stored (C20).
  -- Unique across companies: a token finds its invite before any tenant is known.
  token_hash   bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  invited_by   uuid,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, candidate_id) REFERENCES candidates (company_id, id) ON DELETE CASCADE,
  FOREIGN KEY (company_id, invited_by) REFERENCES company_members (company_id, id) ON DELETE SET NULL (invited_by)
);

CREATE INDEX invites_candidate_idx ON invites (company_id, candidate_id);
CREATE INDEX invites_expires_at_idx ON invites (expires_at);
