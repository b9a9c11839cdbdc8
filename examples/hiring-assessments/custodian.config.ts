// The privacy and security promises of a hiring-assessment product (CLAIMS.md,
// product C), stated once. Custodian enforces what is written here and
// generates the public privacy page from it, so the page cannot drift from
// what the code does (C17). Organisation and vendors are fictitious.
import { definePolicy } from '@custodian/core/policy';

/** Erased candidates' and members' emails become this, unique per row (like B6). */
const DELETED_EMAIL = 'deleted-{uuid}@deleted.invalid';

/** Session data reaches its candidate through the session (C13, C18). */
const viaSession = [
  { column: 'session_id', references: 'assessment_sessions.id' },
  { column: 'candidate_id', references: 'candidates.id' },
];

export default definePolicy({
  version: '2026-05-25',
  effectiveDate: '2026-05-25',
  // C26: versioned; a material change takes effect at least 30 days after it is announced.
  changes: [
    { version: '2026-01-15', announced: '2026-01-15', effective: '2026-01-15', material: false, summary: 'First published version for the closed beta.' },
    {
      version: '2026-05-25',
      announced: '2026-04-24',
      effective: '2026-05-25',
      material: true,
      summary: 'Inactive candidates are deleted after two years, with 30 days’ notice; billing records are kept seven years.',
    },
  ],
  organization: {
    name: 'Assessa',
    legalName: 'Assessa Labs, Inc.',
    url: 'https://assessa.example',
    address: '100 Example Street, Wilmington, DE 19801, United States',
    country: 'US',
  },
  contacts: {
    privacy: { email: 'privacy@assessa.example', url: 'https://assessa.example/privacy' },
    security: {
      email: 'security@assessa.example',
      policy: 'https://assessa.example/security/disclosure',
      acknowledgments: 'https://assessa.example/security/thanks',
      expiresAfter: '180d',
      preferredLanguages: ['en'],
    },
  },
  requestsContact: 'privacy@assessa.example',
  // C25: published at /legal/subprocessors.
  subprocessors: [
    {
      name: 'Stratus Cloud',
      purpose: 'Hosting, managed PostgreSQL, backups and key management',
      location: 'United States (us-east-1)',
      url: 'https://stratus-cloud.example',
      categories: ['contact', 'profile', 'content', 'assessment', 'usage', 'device', 'credential', 'billing', 'security'],
    },
    {
      name: 'Modelworks AI',
      purpose: 'AI model inference for the assistant in coding sessions, called with the customer’s own API key',
      location: 'United States',
      url: 'https://modelworks.example',
      categories: ['content'],
    },
    {
      name: 'Postbox Mail',
      purpose: 'Transactional email: invites and pre-deletion notices',
      location: 'United States',
      url: 'https://postbox-mail.example',
      categories: ['contact'],
    },
  ],
  regions: [{ code: 'us', name: 'United States', default: true, providerRegion: 'us-east-1', legalContext: 'US state privacy law (CCPA); GDPR for EU/UK candidates under SCCs' }],

  // The tenant: every company-scoped table carries company_id.
  tenants: { table: 'companies', key: 'id', region: 'region' },

  subjects: {
    candidate: {
      description: 'A person invited by a company to take an assessment',
      table: 'candidates',
      key: 'id',
      tenant: 'company_id',
      identities: {
        id: { kind: 'id', column: 'id' },
        email: { kind: 'email', column: 'email', lookup: 'normalized' },
        // C20: the token is stored only as its SHA-256.
        invite: { kind: 'invite-token', table: 'invites', column: 'token_hash', lookup: 'sha256', subjectColumn: 'candidate_id' },
      },
      // C14: a sign-in or a new invite counts as activity.
      activity: ['candidates.last_login_at', 'candidates.last_invited_at'],
    },
    member: {
      description: 'A member of a customer company’s staff (owner, admin, member or viewer)',
      table: 'company_members',
      key: 'id',
      tenant: 'company_id',
      identities: {
        id: { kind: 'id', column: 'id' },
        email: { kind: 'email', column: 'email', lookup: 'normalized' },
      },
      activity: ['company_members.last_login_at'],
    },
  },

  tables: {
    companies: {
      description: 'Customer companies and their contracts',
      purpose: 'Operating the service each customer signed up for (contract)',
      notAboutPersons: 'An organisation; its staff are in company_members',
      tenant: 'id',
      columns: {
        // C15: anonymized 30 days after the contract ends.
        name: { category: 'business', erase: { action: 'pseudonymize', template: 'Closed company {uuid}' } },
        domain: { category: 'business', erase: { action: 'set-null' } },
      },
    },
    company_members: {
      description: 'A company’s staff and their roles',
      purpose: 'Signing in, and gating access to candidate data by role', // C18
      owner: { subject: 'member', column: 'id' },
      tenant: 'company_id',
      // Erasure anonymizes the row: scorecards and keys a member created keep a harmless reference.
      columns: {
        email: { category: 'contact', erase: { action: 'pseudonymize', template: DELETED_EMAIL } },
        display_name: { category: 'profile', erase: { action: 'set-literal', value: 'Deleted member' } },
        last_login_at: { category: 'usage', erase: { action: 'set-null' } },
      },
    },
    customer_api_keys: {
      description: 'AI provider API keys a company supplies for its sessions',
      purpose: 'Calling the AI model on the company’s behalf during assessments',
      notAboutPersons: 'A company credential; created_by refers to a member row, which erasure anonymizes',
      tenant: 'company_id',
      columns: {
        key_ciphertext: {
          category: 'credential',
          personal: false,
          secret: true,
          description: 'The key, AES-256-GCM wrapped; plaintext never persisted', // C1
          encryption: {
            algorithm: 'aes-256-gcm',
            keyScope: 'tenant',
            // C2: every decrypt writes an audit row naming who, why, which key and which session.
            auditDecrypt: true,
            purposes: ['assessment-session'],
            mask: { column: 'key_last4', keep: 'last', length: 4 },
            export: 'omit',
          },
        },
        key_last4: { category: 'credential', personal: false, description: 'Last four characters, for display only' }, // C1
        label: { category: 'business' },
      },
    },
    billing_records: {
      description: 'Invoices issued to companies',
      purpose: 'Billing, and tax record-keeping required by law',
      owner: { subject: 'member', column: 'billing_contact_member_id' },
      tenant: 'company_id',
      // C16: kept seven years even after the contact's account is erased.
      erase: { action: 'retain', until: 'billing-records', reason: 'tax law requires invoices to be kept for seven years' },
      columns: {
        billing_email: { category: 'contact', erase: { action: 'retain', until: 'billing-records', reason: 'the address an invoice was issued to is part of the tax record' } },
        invoice_number: { category: 'billing', personal: false },
        amount_cents: { category: 'billing', personal: false },
      },
    },
    candidates: {
      description: 'Candidates’ profiles',
      purpose: 'Inviting candidates and letting them take assessments (contract with the inviting company)',
      owner: { subject: 'candidate', column: 'id' },
      tenant: 'company_id',
      // C11: a self-service deletion sets deleted_at at once (sign-in refused); the row goes within 30 days.
      softDelete: 'deleted_at',
      erase: { action: 'delete-row' },
      columns: {
        email: { category: 'contact', description: 'From the invite; stored lower-cased' },
        full_name: { category: 'profile' },
        last_login_at: { category: 'usage' },
        last_invited_at: { category: 'usage' },
      },
    },
    invites: {
      description: 'Invites to take an assessment',
      purpose: 'Letting a candidate in by the link in their invite email', // C20
      owner: { subject: 'candidate', column: 'candidate_id' },
      tenant: 'company_id',
      erase: { action: 'delete-row' },
      columns: {
        token_hash: { category: 'credential', secret: true, description: 'SHA-256 of the invite token; the token itself is never stored' }, // C20
      },
    },
    assessment_sessions: {
      description: 'Assessment sessions a candidate took',
      purpose: 'Running the assessment and reporting its result to the inviting company',
      owner: { subject: 'candidate', column: 'candidate_id' },
      tenant: 'company_id',
      softDelete: 'deleted_at',
      erase: { action: 'delete-row' },
      columns: {
        score: { category: 'assessment' },
        summary: { category: 'assessment', description: 'Summary of the session, computed' },
        client_ip: { category: 'device', description: 'For rate limiting and incident response' },
        user_agent: { category: 'device' },
      },
    },
    session_events: {
      description: 'What happened in a session: prompts to the AI, code edits, test runs, terminal output',
      purpose: 'Replaying and scoring the session for the inviting company',
      owner: { subject: 'candidate', path: viaSession },
      tenant: 'company_id',
      erase: { action: 'delete-row' },
      columns: {
        payload: { category: 'content', description: 'Candidate-authored prompts and code, and the output they produced' },
        created_at: { category: 'usage', description: 'Timing of the candidate’s work' },
      },
    },
    scorecards: {
      description: 'Reviewers’ ratings of a session',
      purpose: 'The inviting company’s hiring decision',
      // reviewer_member_id refers to a member row, which member erasure anonymizes rather than deletes.
      owner: { subject: 'candidate', path: viaSession },
      tenant: 'company_id',
      erase: { action: 'delete-row' },
      columns: {
        rating: { category: 'assessment' },
        notes: { category: 'assessment' },
      },
    },
  },

  retention: [
    {
      id: 'session-data',
      description: 'Session data (events, code, scorecards) is soft-deleted 180 days after the session completes and hard-deleted 30 days later',
      basis: 'operational',
      table: 'assessment_sessions',
      from: 'completed_at',
      where: [{ column: 'completed_at', isNull: false }],
      stages: [
        { after: '180d', action: 'soft-delete' },
        { after: '30d', action: 'hard-delete' },
      ],
    },
    {
      id: 'candidate-inactivity',
      kind: 'inactivity',
      description: 'A candidate with no sign-in and no new invite for two years is told, then deleted 30 days later unless they sign in',
      basis: 'operational',
      subject: 'candidate',
      after: '2y',
      notice: { before: '30d', channel: 'email' },
      action: 'erase',
    },
    {
      id: 'deleted-candidates',
      description: 'A candidate who asked to be deleted is removed within 30 days of the request',
      basis: 'legal',
      reference: 'GDPR Art. 17; CCPA § 1798.105',
      table: 'candidates',
      from: 'deleted_at',
      where: [{ column: 'deleted_at', isNull: false }],
      stages: [{ after: '30d', action: 'hard-delete' }],
    },
    {
      id: 'company-closure',
      description: 'Company data is kept for the contract, then anonymized after 30 days’ grace',
      basis: 'contract',
      table: 'companies',
      from: 'contract_ended_at',
      where: [{ column: 'contract_ended_at', isNull: false }],
      // Tenant-wide: members, keys and the company row are anonymized together (C15).
      scope: 'tenant',
      stages: [{ after: '30d', action: 'anonymize', mark: 'anonymized_at' }],
    },
    {
      id: 'billing-records',
      description: 'Billing records are kept seven years, then deleted',
      basis: 'legal',
      reference: 'US federal and state tax record-keeping',
      table: 'billing_records',
      from: 'period_end',
      stages: [{ after: '7y', action: 'hard-delete' }],
    },
    {
      id: 'expired-invites',
      description: 'Invites are deleted 90 days after they expire',
      basis: 'operational',
      table: 'invites',
      from: 'expires_at',
      stages: [{ after: '90d', action: 'hard-delete' }],
    },
  ],

  // C3–C6: append-only, two years in the primary database, then archived.
  audit: { retention: '2y', archive: 'local' },

  // C10–C12: every kind of request is tracked to a deadline; candidates export and delete themselves.
  requests: {
    jurisdictions: {
      gdpr: { name: 'GDPR (EU/UK)', deadline: '30d', extension: '60d' },
      ccpa: { name: 'CCPA (California)', deadline: '45d', extension: '45d' },
    },
    defaultJurisdiction: 'gdpr',
    kinds: ['access', 'deletion', 'rectification', 'restriction', 'objection'],
    exportLinkTtl: '7d',
    selfService: { export: true, deletion: true },
  },

  // C9: secrets scrubbed before a log line is written, invite tokens included.
  logging: {
    requestFields: ['method', 'path', 'status', 'duration', 'userId', 'requestId', 'tenantId'],
    redact: {
      denyKeys: ['apiKey', 'api_key', 'anthropicApiKey', 'inviteToken', 'invite_token', 'token'],
      patterns: [{ name: 'invite-token', pattern: 'inv_[A-Za-z0-9_-]{32,}' }],
      keepPrefixes: true,
    },
    retention: { hot: '30d', cold: '90d' },
  },

  // C21: per IP and per identity, by route class.
  rateLimits: {
    signin: { perIp: { points: 20, per: '1min', blockFor: '5min' }, perIdentity: { points: 10, per: '15min', blockFor: '15min' } },
    'invite-lookup': { perIp: { points: 10, per: '1min', blockFor: '15min' }, onStoreFailure: 'deny' },
    api: { perIp: { points: 600, per: '1min' }, perIdentity: { points: 300, per: '1min' } },
    'self-service': { perIp: { points: 30, per: '1h' }, perIdentity: { points: 5, per: '1h' } },
  },
  // C23: failed invite-token lookups trip an escalating block.
  // C23: failed invite-token lookups and sign-ins are counted; C22: incident-response blocklist.
  bruteForce: { maxFailures: 10, per: '10min', blockFor: '1h', escalation: 2, routeClasses: ['invite-lookup', 'signin'] },
  blocklist: { defaultExpiry: '30d', maxExpiry: '1y' },

  // C18: session data only for members with a sufficient role; C19: operator access time-boxed and ticketed.
  access: {
    roles: ['owner', 'admin', 'member', 'viewer'],
    permissions: {
      'candidates.read': ['owner', 'admin', 'member', 'viewer'],
      'candidates.invite': ['owner', 'admin', 'member'],
      'candidates.delete': ['owner', 'admin'],
      'sessions.read': ['owner', 'admin', 'member'],
      'sessions.delete': ['owner', 'admin'],
      'scorecards.read': ['owner', 'admin', 'member'],
      'scorecards.write': ['owner', 'admin', 'member'],
      'api-keys.manage': ['owner', 'admin'],
      'members.manage': ['owner', 'admin'],
      'billing.read': ['owner', 'admin'],
      'audit.read': ['owner', 'admin'],
      'company.close': ['owner'],
    },
    operators: { maxGrant: '4h', requireTicket: true },
  },

  auth: {
    // Company staff sign in with Google (OpenID Connect).
    providers: [{ id: 'google', kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com' }],
    // Candidates arrive by invite link (C20); no passwords are stored.
    invites: { ttl: '14d' },
    session: { ttl: '12h', sameSite: 'lax' },
    // A signed-in person is a company's staff member; candidates take sessions by invite, not by account.
    subject: { name: 'member', identity: 'email' },
  },
});
