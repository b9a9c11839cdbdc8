-- Creator payouts and tax forms. Sensitive numbers are stored sealed (A1) and
-- decrypted only for a named purpose (A3); a masked last 4 is kept for display.

-- Not cascading: user rows are only soft-deleted (A7), and the erasure job
-- removes payout methods explicitly.
CREATE TABLE payout_methods (
  id                        uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                   uuid        NOT NULL REFERENCES users (id),
  account_holder_name       text        NOT NULL,
  bank_account_ciphertext   bytea       NOT NULL,
  routing_number_ciphertext bytea       NOT NULL,
  account_last4             text        NOT NULL CHECK (account_last4 ~ '^[0-9]{4}$'),
  created_at                timestamptz NOT NULL DEFAULT now(),
  -- At most one method in use per creator; replaced ones keep `disabled_at`.
  disabled_at               timestamptz
);
CREATE UNIQUE INDEX payout_methods_one_active ON payout_methods (user_id) WHERE disabled_at IS NULL;

-- W-9s, collected once a creator passes $600 lifetime earnings. Kept 7 years
-- and then hard-deleted (A8), also after the account is deleted: the foreign
-- key must never cascade, and the user row is only ever soft-deleted.
CREATE TABLE tax_forms (
  id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  form_type      text        NOT NULL DEFAULT 'W-9' CHECK (form_type IN ('W-9')),
  tin_type       text        NOT NULL CHECK (tin_type IN ('ssn', 'ein')),
  legal_name     text        NOT NULL,
  business_name  text,
  address        text        NOT NULL,
  tin_ciphertext bytea       NOT NULL,
  tin_last4      text        NOT NULL CHECK (tin_last4 ~ '^[0-9]{4}$'),
  tax_year       integer     NOT NULL CHECK (tax_year BETWEEN 2000 AND 2200),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tax_forms_user ON tax_forms (user_id);
CREATE INDEX tax_forms_created ON tax_forms (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON payout_methods, tax_forms TO custodian_app;
