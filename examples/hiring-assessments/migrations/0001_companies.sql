-- Customers: the companies that buy assessments, their staff, their API keys
-- and their invoices.
--
-- Every tenant table leads its primary key with company_id and references
-- other tenant tables by (company_id, id): a row can never point into another
-- company's data, and the company id is a ready distribution column (Citus).
-- Rows of `companies` are anonymized, not deleted (C15), and billing records
-- outlive the contract by law (C16), so nothing cascades from a company.

CREATE TABLE companies (
  id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text        NOT NULL,
  domain              text,
  plan                text        NOT NULL DEFAULT 'beta' CHECK (plan IN ('beta', 'team', 'enterprise')),
  region              text        NOT NULL DEFAULT 'us',
  contract_started_at timestamptz NOT NULL,
  -- When the contract ends or ended; the 30-day grace before anonymization counts from here (C15).
  contract_ended_at   timestamptz,
  closed_at           timestamptz,
  anonymized_at       timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (contract_ended_at IS NULL OR contract_ended_at >= contract_started_at)
);

CREATE INDEX companies_contract_ended_at_idx ON companies (contract_ended_at) WHERE contract_ended_at IS NOT NULL;

CREATE TABLE company_members (
  company_id    uuid        NOT NULL REFERENCES companies (id),
  id            uuid        NOT NULL DEFAULT gen_random_uuid(),
  -- Stored trimmed and lower-cased, so lookups and the unique key agree.
  email         text        NOT NULL CHECK (email = lower(btrim(email))),
  display_name  text,
  role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  last_login_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (company_id, email)
);

CREATE TABLE customer_api_keys (
  company_id     uuid        NOT NULL REFERENCES companies (id),
  id             uuid        NOT NULL DEFAULT gen_random_uuid(),
  label          text        NOT NULL,
  -- The AI provider key, AES-256-GCM wrapped; the plaintext is never stored (C1).
  key_ciphertext bytea       NOT NULL,
  -- Only the last four characters are kept in the clear, for display (C1).
  key_last4      text        NOT NULL CHECK (char_length(key_last4) = 4),
  created_by     uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  PRIMARY KEY (company_id, id),
  -- A departed member's row may go; the key stays with the company.
  FOREIGN KEY (company_id, created_by) REFERENCES company_members (company_id, id) ON DELETE SET NULL (created_by)
);

CREATE TABLE billing_records (
  company_id                uuid        NOT NULL REFERENCES companies (id),
  id                        uuid        NOT NULL DEFAULT gen_random_uuid(),
  period_start              timestamptz NOT NULL,
  period_end                timestamptz NOT NULL CHECK (period_end > period_start),
  amount_cents              bigint      NOT NULL CHECK (amount_cents >= 0),
  currency                  text        NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  invoice_number            text        NOT NULL UNIQUE,
  billing_email             text        NOT NULL,
  billing_contact_member_id uuid,
  created_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  -- Invoices are kept 7 years by law (C16) even after the contact's member row is gone.
  FOREIGN KEY (company_id, billing_contact_member_id) REFERENCES company_members (company_id, id) ON DELETE SET NULL (billing_contact_member_id)
);

CREATE INDEX billing_records_created_at_idx ON billing_records (created_at);
CREATE INDEX billing_records_contact_idx ON billing_records (company_id, billing_contact_member_id) WHERE billing_contact_member_id IS NOT NULL;
