import type { PolicyInput } from '@custodian/core/policy';

/** A small valid policy; tests copy it and break one thing at a time. */
export function basePolicy(): PolicyInput {
  return {
    version: '2026.11',
    effectiveDate: '2026-12-01',
    changes: [{ version: '2026.11', announced: '2026-10-15', effective: '2026-12-01', material: true, summary: 'First version' }],
    organization: { name: 'Acme', url: 'https://acme.example' },
    contacts: { privacy: { email: 'privacy@acme.example' }, security: { email: 'security@acme.example' } },
    subprocessors: [{ name: 'Mailer', purpose: 'Email delivery', location: 'EU', categories: ['contact'] }],
    regions: [{ code: 'us', name: 'United States', default: true }, { code: 'eu', name: 'European Union' }],
    subjects: {
      user: {
        description: 'A person with an account',
        table: 'users',
        identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } },
        placeholder: { key: '00000000-0000-0000-0000-000000000000' },
        activity: ['users.last_login_at'],
      },
    },
    tables: {
      users: {
        description: 'Accounts',
        purpose: 'Sign-in',
        owner: { subject: 'user', column: 'id' },
        softDelete: 'deleted_at',
        columns: {
          email: { category: 'contact', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } },
          name: { category: 'profile', erase: { action: 'set-literal', value: 'Deleted User' } },
        },
      },
      posts: {
        description: 'Posts',
        purpose: 'Publishing',
        tenant: 'org_id',
        owner: { subject: 'user', column: 'author_id' },
        columns: {
          author_id: { category: 'identifier', erase: { action: 'reassign' } },
          body: { category: 'content', encryption: { algorithm: 'xsalsa20-poly1305' } },
        },
      },
      comments: {
        description: 'Comments on posts',
        purpose: 'Discussion',
        owner: { subject: 'user', path: [{ column: 'post_id', references: 'posts.id' }, { column: 'author_id', references: 'users.id' }] },
        erase: { action: 'delete-row' },
        columns: { text: { category: 'content' } },
      },
      invoices: {
        description: 'Invoices',
        purpose: 'Billing',
        owner: { subject: 'user', column: 'user_id' },
        erase: { action: 'retain', until: 'invoices-7y', reason: 'tax law' },
        columns: { amount: { category: 'billing' } },
      },
    },
    retention: [
      { id: 'users-30d', description: 'Deleted accounts', basis: 'operational', table: 'users', from: 'deleted_at', stages: [{ after: '30d', action: 'anonymize' }] },
      { id: 'invoices-7y', description: 'Invoices', basis: 'legal', table: 'invoices', from: 'created_at', stages: [{ after: '7y', action: 'hard-delete' }] },
      { id: 'posts-chain', description: 'Posts', basis: 'operational', table: 'posts', from: 'created_at', stages: [{ after: '180d', action: 'anonymize' }, { after: '30d', action: 'hard-delete' }] },
      { id: 'inactive', kind: 'inactivity', description: 'Inactive users', basis: 'operational', subject: 'user', after: '2y', notice: { before: '30d' } },
    ],
  };
}

/** A deep copy to mutate. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
