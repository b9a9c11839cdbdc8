/**
 * Atelier Workspace's privacy promises (product B in CLAIMS.md), stated once.
 * Claim ids in comments point at the promise each part makes true.
 */
import { definePolicy } from '@custodian/core/policy';

/** libsodium secretbox under the workspace's data key, fresh nonce per record (B1). */
const secretbox = { algorithm: 'xsalsa20-poly1305', keyScope: 'tenant' } as const;

/** An integration credential: sealed, secret, never exported. */
const credential = (description: string) =>
  ({
    category: 'credential',
    description,
    secret: true,
    encryption: { ...secretbox, export: 'omit' },
    erase: { action: 'keep', reason: 'the workspace’s connection to its own tools; removed when an admin disconnects it' },
  }) as const;

export default definePolicy({
  version: '2026.3',
  effectiveDate: '2026-11-16',
  changes: [
    { version: '2026.1', announced: '2026-02-01', effective: '2026-03-03', material: true, summary: 'First published policy.' },
    {
      version: '2026.3',
      announced: '2026-10-15',
      effective: '2026-11-16',
      material: true,
      summary: 'Workspaces choose one of four data regions; each region can be served from its own database.',
    },
  ],
  organization: { name: 'Atelier Workspace', legalName: 'Atelier Workspace Ltd.', url: 'https://atelier-workspace.example', country: 'IE' },
  contacts: {
    privacy: { email: 'privacy@atelier-workspace.example', url: 'https://atelier-workspace.example/docs/security/data-handling' },
    security: { email: 'security@atelier-workspace.example', policy: 'https://atelier-workspace.example/security' },
    dpo: { email: 'dpo@atelier-workspace.example' },
  },
  subprocessors: [
    { name: 'Baseplane', purpose: 'Managed PostgreSQL and private file storage (exports)', location: 'The workspace’s region', url: 'https://baseplane.example', categories: ['identifier', 'contact', 'profile', 'preference', 'content', 'credential', 'usage'] },
    { name: 'Modelworks AI', purpose: 'Runs agents on prompt content; no training on customer data', location: 'The workspace’s region', url: 'https://modelworks.example', categories: ['content'] },
    { name: 'Paylane', purpose: 'Billing: customer id, plan and payment, never workroom content', location: 'United States', url: 'https://paylane.example', categories: ['billing'] },
    { name: 'Mailrelay', purpose: 'Sends the signed link to a data export', location: 'European Union', url: 'https://mailrelay.example', categories: ['contact'] },
  ],

  // B10: four logical regions, `us` by default; each steers the AI provider region and legal context.
  // B11: each region's workspaces can live in that region's own database.
  regions: [
    { code: 'us', name: 'United States (Virginia)', default: true, providerRegion: 'us-east', legalContext: 'US state privacy laws (CCPA/CPRA)', databaseUrlEnv: 'DATABASE_URL_US' },
    { code: 'eu', name: 'European Union (Frankfurt)', providerRegion: 'eu-central', legalContext: 'GDPR', databaseUrlEnv: 'DATABASE_URL_EU' },
    { code: 'me-south', name: 'Middle East (Bahrain)', providerRegion: 'me-south', legalContext: 'Bahrain Personal Data Protection Law', databaseUrlEnv: 'DATABASE_URL_ME_SOUTH' },
    { code: 'ap-northeast', name: 'Asia Pacific (Tokyo)', providerRegion: 'ap-northeast', legalContext: 'Japan APPI', databaseUrlEnv: 'DATABASE_URL_AP_NORTHEAST' },
  ],

  subjects: {
    user: {
      description: 'A person who belongs to one or more agency workspaces',
      table: 'users',
      key: 'id',
      identities: {
        id: { kind: 'id', column: 'id' },
        email: { kind: 'email', column: 'email', lookup: 'normalized' },
      },
    },
  },

  tables: {
    workspaces: {
      description: 'Agency workspaces: name, plan, billing status and data region',
      purpose: 'Running the agency’s workspace and billing for it',
      tenant: 'id',
      notAboutPersons: 'describes an agency, not a person',
      // B8: cancelling a subscription deletes nothing. No retention rule is keyed on
      // `cancelled_at`; data is deleted only through a deletion request.
      columns: {
        name: { category: 'business' },
        billing_customer_id: { category: 'business', description: 'The billing provider’s customer id for the agency' },
      },
    },
    users: {
      description: 'People with an account',
      purpose: 'Signing people in and showing who wrote what',
      owner: { subject: 'user', column: 'id' },
      softDelete: 'deleted_at',
      columns: {
        // B6: the deletion runbook's pseudonymisation of the user row.
        email: { category: 'contact', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } },
        display_name: { category: 'profile', erase: { action: 'set-literal', value: 'Deleted User' } },
        language_preference: { category: 'preference', erase: { action: 'set-null' } },
      },
    },
    workspace_members: {
      description: 'Who belongs to which workspace, with which role',
      purpose: 'Gating reads and writes by role (owner, admin, member, viewer)',
      owner: { subject: 'user', column: 'user_id' },
      tenant: 'workspace_id',
      erase: { action: 'delete-row' },
      columns: {
        user_id: { category: 'identifier' },
      },
    },
    workrooms: {
      description: 'Workrooms for client projects',
      purpose: 'Organising the agency’s work by client and project',
      owner: { subject: 'user', column: 'created_by' },
      tenant: 'workspace_id',
      columns: {
        name: { category: 'business' },
        created_by: { category: 'identifier', erase: { action: 'set-null' } },
      },
    },
    messages: {
      description: 'Conversation messages in workrooms, by members and agents',
      purpose: 'The agency’s conversations with each other and with agents',
      owner: { subject: 'user', column: 'author_id' },
      tenant: 'workspace_id',
      columns: {
        // B1: sealed with secretbox; B5: stays encrypted inside an access export.
        content_ciphertext: {
          category: 'content',
          encryption: { ...secretbox, export: 'encrypted' },
          erase: { action: 'keep', reason: 'workspace content belongs to the agency; processed per the DSAR runbook' }, // B6
        },
        author_id: { category: 'identifier', erase: { action: 'keep', reason: 'points at the pseudonymised user row' } }, // B6
      },
    },
    integrations: {
      description: 'Connections to Notion, Google, Slack, Meta, WhatsApp, webhooks and MCP servers',
      purpose: 'Letting agents work with the agency’s own tools',
      owner: { subject: 'user', column: 'created_by' },
      tenant: 'workspace_id',
      columns: {
        created_by: { category: 'identifier', erase: { action: 'set-null' } },
        // B1: every integration credential is sealed.
        oauth_access_token_ciphertext: credential('OAuth access token (Notion, Google, Slack, Meta)'),
        oauth_refresh_token_ciphertext: credential('OAuth refresh token (Google, Slack, Meta)'),
        webhook_api_key_ciphertext: credential('API key sent with custom webhooks'),
        mcp_client_secret_ciphertext: credential('MCP client secret'),
        whatsapp_token_ciphertext: credential('WhatsApp Business access token'),
      },
    },
    activity: {
      description: 'The activity page: plan changes, agent edits, exports, data requests',
      purpose: 'Showing a workspace who did what, including data requests', // B3, B7
      owner: { subject: 'user', column: 'actor_id' },
      tenant: 'workspace_id',
      columns: {
        actor_id: { category: 'identifier', erase: { action: 'keep', reason: 'the record of who did what; the user row is pseudonymised' } }, // B6
        detail: { category: 'usage', erase: { action: 'keep', reason: 'event details name ids, not personal data' } },
      },
    },
  },

  // B8: deliberately no rule keyed on workspaces.cancelled_at — a cancelled
  // subscription drops to the free trial and keeps its data.
  retention: [],

  requests: {
    // B7: the GDPR clock is 30 days; the runbook is the same in every jurisdiction.
    jurisdictions: {
      gdpr: { name: 'EU GDPR', deadline: '30d', extension: '60d' },
      ccpa: { name: 'California CCPA/CPRA', deadline: '45d', extension: '45d' },
    },
    defaultJurisdiction: 'gdpr',
    kinds: ['access', 'deletion'],
    // B5: the export's signed link works for 7 days.
    exportLinkTtl: '7d',
    // Requests go through the tracked DSAR flow, not instant self-service endpoints.
    selfService: { export: false, deletion: false },
  },

  // B9: roles gate reads and writes.
  access: {
    roles: ['owner', 'admin', 'member', 'viewer'],
    permissions: {
      'workspace.read': ['owner', 'admin', 'member', 'viewer'],
      'messages.write': ['owner', 'admin', 'member'],
      'workrooms.write': ['owner', 'admin', 'member'],
      'agents.edit': ['owner', 'admin', 'member'],
      'integrations.manage': ['owner', 'admin'],
      'members.manage': ['owner', 'admin'],
      'activity.export': ['owner', 'admin'],
      'region.change': ['owner'],
      'billing.manage': ['owner'],
    },
  },

  auth: {
    providers: [{ id: 'google', kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com' }],
    // The signed-in person is their `users` row, found by their verified email.
    subject: { name: 'user', identity: 'email' },
  },

  logging: {
    requestFields: ['method', 'path', 'status', 'duration', 'userId', 'tenantId'],
    // B4: personal data is scrubbed before any error report.
    redact: {
      denyKeys: ['email', 'display_name', 'content', 'access_token', 'refresh_token', 'api_key', 'client_secret'],
      patterns: [{ name: 'email-address', pattern: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}' }],
    },
  },
});
