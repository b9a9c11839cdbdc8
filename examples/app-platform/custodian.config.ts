/**
 * Lumen Apps' privacy promises (product A in CLAIMS.md), stated once.
 * Claim ids in comments point at the promise each part makes true.
 */
import { definePolicy } from '@custodian/core/policy';

/** The row erased people's contributions are reassigned to; inserted by migration 0001. */
export const PLACEHOLDER_USER_ID = '00000000-0000-4000-8000-000000000001';

/** AES-256-GCM under the one root key held in an environment variable (A1). */
const rootAes = { algorithm: 'aes-256-gcm', keyScope: 'root' } as const;

export default definePolicy({
  version: '2026.2',
  effectiveDate: '2026-11-02',
  changes: [
    { version: '2026.1', announced: '2026-03-01', effective: '2026-04-01', material: true, summary: 'First published policy.' },
    {
      version: '2026.2',
      announced: '2026-10-01',
      effective: '2026-11-02',
      material: true,
      summary: 'The retention schedule is published from the policy the code enforces.',
    },
  ],
  organization: { name: 'Lumen Apps', legalName: 'Lumen Apps, Inc.', url: 'https://lumen-apps.example', country: 'US' },
  contacts: {
    privacy: { email: 'privacy@lumen-apps.example', url: 'https://lumen-apps.example/privacy' },
    security: {
      email: 'security@lumen-apps.example',
      policy: 'https://lumen-apps.example/security',
      acknowledgments: 'https://lumen-apps.example/changelog',
    },
  },
  requestsContact: 'privacy@lumen-apps.example',
  subprocessors: [
    { name: 'Edgehost', purpose: 'Application hosting and secret storage', location: 'United States', url: 'https://edgehost.example', categories: ['identifier', 'contact', 'profile', 'usage'] },
    { name: 'Branchbase', purpose: 'Managed PostgreSQL database', location: 'United States', url: 'https://branchbase.example', categories: ['identifier', 'contact', 'profile', 'financial', 'government-id', 'tax', 'content', 'billing'] },
    { name: 'Modelworks AI', purpose: 'Submission-gate evaluation and the data agent', location: 'United States', url: 'https://modelworks.example', categories: ['content'] },
    { name: 'Paylane', purpose: 'Credit top-ups and creator payouts', location: 'United States', url: 'https://paylane.example', categories: ['billing', 'financial'] },
  ],

  subjects: {
    user: {
      description: 'A person who signs in with Google to run or publish apps',
      table: 'users',
      key: 'id',
      identities: {
        id: { kind: 'id', column: 'id' },
        email: { kind: 'email', column: 'email', lookup: 'normalized' },
        google: { kind: 'oauth-subject', column: 'google_sub' },
        handle: { kind: 'handle', table: 'profiles', column: 'handle', subjectColumn: 'user_id' },
      },
      // A7: rows a deleted person wrote in other creators' projects point here.
      placeholder: { key: PLACEHOLDER_USER_ID, description: 'Deleted user' },
      activity: ['users.last_sign_in_at'],
    },
  },

  tables: {
    users: {
      description: 'Accounts created by Google sign-in',
      purpose: 'Signing people in and showing who they are to the apps they run',
      owner: { subject: 'user', column: 'id' },
      // A7: deletion soft-deletes the row first; the purge rule below anonymizes it 30 days later.
      softDelete: 'deleted_at',
      columns: {
        google_sub: { category: 'identifier', description: 'Google account id (OIDC subject)', erase: { action: 'set-null' } },
        email: { category: 'contact', erase: { action: 'set-null' } },
        name: { category: 'profile', erase: { action: 'set-null' } },
        image_url: { category: 'profile', description: 'Profile picture URL from Google', erase: { action: 'set-null' } },
        last_sign_in_at: { category: 'usage', erase: { action: 'set-null' } },
      },
    },
    profiles: {
      description: 'Public profile a person edits in Settings',
      purpose: 'Showing a creator on their projects',
      owner: { subject: 'user', column: 'user_id' },
      // A7: profile data is hard-deleted with the 30-day purge.
      erase: { action: 'delete-row' },
      columns: {
        display_name: { category: 'profile' },
        handle: { category: 'identifier' },
        bio: { category: 'profile' },
        date_of_birth: { category: 'date-of-birth' },
      },
    },
    oauth_tokens: {
      description: 'OAuth tokens from Google sign-in',
      purpose: 'Keeping a person signed in without asking Google again',
      owner: { subject: 'user', column: 'user_id' },
      erase: { action: 'delete-row' },
      columns: {
        // A2: refresh tokens are encrypted at rest and never exported.
        refresh_token_ciphertext: { category: 'credential', secret: true, encryption: { ...rootAes, export: 'omit' } },
      },
    },
    sessions: {
      description: 'Signed-in browser sessions; only a hash of the cookie token is stored',
      purpose: 'Keeping a person signed in',
      owner: { subject: 'user', column: 'user_id' },
      // A7: deleting an account ends its sessions.
      erase: { action: 'delete-row' },
      columns: {
        token_hash: { category: 'credential', secret: true, description: 'SHA-256 of the session token' },
      },
    },
    projects: {
      description: 'Apps creators publish',
      purpose: 'Running and listing the apps people build',
      owner: { subject: 'user', column: 'owner_id' },
      columns: {
        owner_id: { category: 'identifier', erase: { action: 'keep', reason: 'the project stays with its creator’s soft-deleted account' } },
        name: { category: 'content', erase: { action: 'keep', reason: 'the project is hidden, not deleted' } }, // A7
        description: { category: 'content', erase: { action: 'keep', reason: 'the project is hidden, not deleted' } }, // A7
        // A7: a deleted creator's projects are unpublished and hidden from the catalog.
        published: { category: 'none', erase: { action: 'set-literal', value: false } },
        hidden: { category: 'none', erase: { action: 'set-literal', value: true } },
      },
    },
    project_rows: {
      description: 'Rows a person saved in one project (useProjectData)',
      purpose: 'Storing each app’s data for each of its users',
      // The writer, and through the project the creator whose app holds the row.
      owner: [
        { subject: 'user', column: 'user_id' },
        {
          subject: 'user',
          path: [
            { column: 'project_id', references: 'projects.id' },
            { column: 'owner_id', references: 'users.id' },
          ],
        },
      ],
      // A9: row-level security scopes every read to one project (and one user).
      tenant: 'project_id',
      columns: {
        // A7: rows in other creators' projects are reassigned to the placeholder user.
        user_id: { category: 'identifier', erase: { action: 'reassign' } },
        data: { category: 'content', erase: { action: 'keep', reason: 'kept for the project, attributed to the placeholder user' } }, // A7
      },
    },
    credit_transactions: {
      description: 'Credit top-ups and per-call deductions tagged with a project slug',
      purpose: 'Letting people audit what they spent, and billing',
      owner: { subject: 'user', column: 'user_id' },
      columns: {
        user_id: { category: 'identifier', erase: { action: 'reassign' } },
        project_slug: { category: 'usage', erase: { action: 'keep', reason: 'no longer linked to a person once reassigned' } },
        amount: { category: 'billing', erase: { action: 'keep', reason: 'platform totals must still add up' } },
      },
    },
    payout_methods: {
      description: 'Bank accounts creators are paid to',
      purpose: 'Paying creators their earnings',
      owner: { subject: 'user', column: 'user_id' },
      erase: { action: 'delete-row' },
      columns: {
        account_holder_name: { category: 'financial' },
        // A1 + A3: sealed; opened only for payout dispatch, with an audit row; never exported.
        bank_account_ciphertext: {
          category: 'financial',
          secret: true,
          encryption: { ...rootAes, auditDecrypt: true, purposes: ['payout-dispatch'], mask: { column: 'account_last4', keep: 'last', length: 4 }, export: 'omit' },
        },
        routing_number_ciphertext: {
          category: 'financial',
          secret: true,
          encryption: { ...rootAes, auditDecrypt: true, purposes: ['payout-dispatch'], export: 'omit' },
        },
        account_last4: { category: 'financial', description: 'Last 4 digits of the bank account, for display' },
      },
    },
    tax_forms: {
      description: 'W-9 forms of creators past $600 lifetime earnings',
      purpose: 'Issuing 1099 forms, as US tax law requires',
      owner: { subject: 'user', column: 'user_id' },
      // A8: kept after account deletion until the 7-year rule removes them.
      erase: { action: 'retain', until: 'tax-records', reason: 'US tax law requires tax records to be kept' },
      columns: {
        legal_name: { category: 'tax' },
        business_name: { category: 'tax' },
        address: { category: 'contact' },
        // A1 + A3: sealed; opened only to generate a 1099, with an audit row; never exported.
        tin_ciphertext: {
          category: 'government-id',
          description: 'SSN or EIN',
          secret: true,
          encryption: { ...rootAes, auditDecrypt: true, purposes: ['tax-1099'], mask: { column: 'tin_last4', keep: 'last', length: 4 }, export: 'omit' },
        },
        tin_last4: { category: 'government-id', description: 'Last 4 digits of the SSN or EIN, for display' },
      },
    },
  },

  retention: [
    {
      // A7: identifying fields are hard-deleted by a job 30 days after the account is deleted.
      id: 'deleted-account-purge',
      description: 'Email, name, image URL and Google id of a deleted account are removed',
      basis: 'operational',
      table: 'users',
      from: 'deleted_at',
      where: [{ column: 'kind', equals: 'person' }],
      stages: [{ after: '30d', action: 'anonymize' }],
    },
    {
      // A7: profile data goes with the same purge.
      id: 'deleted-account-profile',
      description: 'The profile of a deleted account is deleted',
      basis: 'operational',
      table: 'profiles',
      from: 'users.deleted_at',
      stages: [{ after: '30d', action: 'hard-delete' }],
    },
    {
      // A8: the IRS-mandated period as the product states it.
      id: 'tax-records',
      description: 'Tax forms are deleted 7 years after they were collected',
      basis: 'legal',
      reference: 'US federal tax record-keeping (26 U.S.C. 6001)',
      table: 'tax_forms',
      from: 'created_at',
      stages: [{ after: '7y', action: 'hard-delete' }],
    },
    {
      id: 'expired-sessions',
      description: 'Sessions are deleted 30 days after they expire',
      basis: 'operational',
      table: 'sessions',
      from: 'expires_at',
      stages: [{ after: '30d', action: 'hard-delete' }],
    },
  ],

  requests: {
    // Deletion is self-serve in Settings (A7); exports are asked for by email.
    selfService: { export: false, deletion: true },
  },

  logging: {
    // A4: the allowlist of request-log fields; bodies are never logged.
    requestFields: ['method', 'path', 'status', 'duration', 'userId'],
    // A5: the configurable deny-list, on top of the built-in secret detectors.
    redact: {
      denyKeys: ['ssn', 'ein', 'tin', 'bank_account', 'routing_number', 'refresh_token', 'session_token'],
      patterns: [{ name: 'us-ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' }],
    },
    // A6: 30 days hot, then 90 days in the cold archive, then deleted.
    retention: { hot: '30d', cold: '90d' },
  },

  auth: {
    // A10: Google OpenID Connect only; no passwords.
    providers: [{ id: 'google', kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com' }],
    passwords: false,
    // A11: SameSite=Lax session cookies.
    session: { ttl: '30d', sameSite: 'lax' },
    // The signed-in person is their `users` row, found by their verified email (A7: their deletion).
    subject: { name: 'user', identity: 'email' },
  },

  // A12–A19: what untrusted AI-generated apps may see and do.
  sandbox: {
    userFields: ['id', 'name', 'email', 'avatar'],
    runtimeApi: ['useUser', 'useProjectData', 'useDataAgent'],
    importAllowlist: ['@lumen/runtime', 'react', 'react/jsx-runtime', 'clsx', 'date-fns'],
    sourceMaps: false,
    gate: { evaluator: 'llm', onEvaluatorError: 'publish' },
  },
});
