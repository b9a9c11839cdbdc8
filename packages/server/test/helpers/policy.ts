import { definePolicy, type Policy, type PolicyInput } from '@custodian/core/policy';

/**
 * A small hiring product's policy, written inline so server tests depend on
 * nothing in `examples/`: one subject, chained and legal retention, an
 * inactivity rule, encrypted columns, two regions, sub-processors and a
 * version history with a material change.
 */
export function testPolicyInput(): PolicyInput {
  return {
    version: '2.0',
    effectiveDate: '2026-03-01',
    changes: [
      { version: '1.0', announced: '2025-06-01', effective: '2025-06-01', material: false, summary: 'First published version.' },
      { version: '2.0', announced: '2026-01-15', effective: '2026-03-01', material: true, summary: 'Session data is now deleted 210 days after completion.' },
    ],
    organization: { name: 'Example Hiring', legalName: 'Example Hiring Inc.', url: 'https://hiring.example', country: 'US' },
    contacts: {
      privacy: { email: 'privacy@hiring.example' },
      security: {
        email: 'security@hiring.example',
        expiresAfter: '180d',
        policy: 'https://hiring.example/security/disclosure',
        acknowledgments: 'https://hiring.example/security/thanks',
        preferredLanguages: ['en', 'de'],
      },
    },
    subprocessors: [
      { name: 'Cloud Host Co', purpose: 'Hosting and database', location: 'United States', url: 'https://cloudhost.example', categories: ['contact', 'content'] },
      { name: 'Mail Sender Ltd', purpose: 'Transactional email', location: 'EU (Dublin)', categories: ['contact'] },
    ],
    regions: [
      { code: 'us', name: 'United States', default: true, legalContext: 'CCPA' },
      { code: 'eu', name: 'European Union', providerRegion: 'eu-central-1', legalContext: 'GDPR' },
    ],
    subjects: {
      candidate: {
        description: 'Candidates invited to an assessment',
        table: 'candidates',
        identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } },
        activity: ['candidates.last_login_at'],
      },
    },
    tables: {
      companies: { description: 'Customer companies', purpose: 'Run the customer account', notAboutPersons: 'organisations, not people', tenant: 'id', columns: { name: { category: 'business' } } },
      candidates: {
        description: 'Candidate profiles',
        purpose: 'Invite candidates and show their results to the company',
        tenant: 'company_id',
        columns: {
          email: { category: 'contact', description: 'Email address', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } },
          name: { category: 'profile', erase: { action: 'set-literal', value: 'Deleted User' } },
        },
      },
      assessment_sessions: {
        description: 'Assessment sessions',
        purpose: 'Record the candidate’s work for the company to review',
        owner: { subject: 'candidate', column: 'candidate_id' },
        tenant: 'company_id',
        softDelete: 'deleted_at',
        erase: { action: 'delete-row' },
        columns: { transcript: { category: 'content', description: 'Prompts and code' } },
      },
      session_events: {
        description: 'Session events',
        purpose: 'Replay a session',
        owner: {
          subject: 'candidate',
          path: [
            { column: 'session_id', references: 'assessment_sessions.id' },
            { column: 'candidate_id', references: 'candidates.id' },
          ],
        },
        columns: { payload: { category: 'content' } },
      },
      api_keys: {
        description: 'Customer API keys',
        purpose: 'Call the AI provider on the customer’s behalf',
        tenant: 'company_id',
        columns: {
          key_ciphertext: {
            category: 'credential',
            personal: false,
            secret: true,
            description: 'API key',
            encryption: { algorithm: 'aes-256-gcm', keyScope: 'tenant', auditDecrypt: true, purposes: ['session-run'], mask: { column: 'key_last4' } },
          },
        },
      },
      billing_records: {
        description: 'Billing records',
        purpose: 'Invoices and tax',
        owner: { subject: 'candidate', column: 'candidate_id' },
        erase: { action: 'retain', until: 'billing', reason: 'tax law' },
        columns: {
          bank_account: { category: 'financial', encryption: { algorithm: 'xchacha20-poly1305', keyScope: 'subject' } },
        },
      },
    },
    retention: [
      {
        id: 'sessions',
        description: 'Session data after the session completes',
        table: 'assessment_sessions',
        from: 'completed_at',
        stages: [
          { after: '180d', action: 'soft-delete' },
          { after: '30d', action: 'hard-delete' },
        ],
        basis: 'operational',
      },
      { id: 'inactive', kind: 'inactivity', description: 'Inactive candidates', subject: 'candidate', after: '2y', notice: { before: '30d' }, basis: 'operational' },
      {
        id: 'billing',
        description: 'Billing records',
        table: 'billing_records',
        from: 'created_at',
        stages: [{ after: '7y', action: 'hard-delete' }],
        basis: 'legal',
        reference: 'IRS record-keeping (26 CFR 1.6001-1)',
      },
    ],
    audit: { retention: '2y', archive: 'local' },
    logging: { retention: { hot: '30d', cold: '90d' } },
  };
}

export function testPolicy(edit?: (input: PolicyInput) => void): Policy {
  const input = testPolicyInput();
  edit?.(input);
  return definePolicy(input);
}
