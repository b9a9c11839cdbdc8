-- A record of every audited decrypt (C2, A3): who, why, which value, which key.
-- Written in its own committed transaction before the plaintext is returned.
-- The audit log capability takes these over; until then this table is the record.

CREATE TABLE custodian.decrypt_events (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  tenant_id   text,
  actor_type  text        NOT NULL CHECK (actor_type IN ('user', 'member', 'operator', 'service', 'system')),
  actor_id    text        NOT NULL,
  purpose     text        NOT NULL,
  table_name  text        NOT NULL,
  column_name text        NOT NULL,
  row_key     text        NOT NULL,
  key_id      text        NOT NULL,
  session_id  text
);

CREATE INDEX decrypt_events_tenant_time ON custodian.decrypt_events (tenant_id, occurred_at);
CREATE INDEX decrypt_events_row ON custodian.decrypt_events (table_name, row_key);

-- The application may add records and read them; it may never change or remove one.
GRANT SELECT, INSERT ON custodian.decrypt_events TO custodian_app;
