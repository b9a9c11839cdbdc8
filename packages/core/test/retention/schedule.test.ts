import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definePolicy, type PolicyInput } from '@custodian/core/policy';
import { retentionSchedule } from '@custodian/core/retention';

/** A small hiring product: sessions chained 180d → 30d (C13), inactivity with notice (C14), billing 7y (C16). */
function input(): PolicyInput {
  return {
    version: '2.0',
    effectiveDate: '2026-03-01',
    organization: { name: 'Example Hiring', url: 'https://hiring.example' },
    contacts: { privacy: { email: 'privacy@hiring.example' }, security: { email: 'security@hiring.example' } },
    subjects: {
      candidate: {
        description: 'A candidate invited to an assessment',
        table: 'candidates',
        identities: { id: { kind: 'id', column: 'id' } },
        activity: ['candidates.last_login_at', 'invites.created_at'],
      },
    },
    tables: {
      candidates: { description: 'Candidate profiles', purpose: 'Run assessments', columns: { email: { category: 'contact' } } },
      invites: { description: 'Assessment invitations', purpose: 'Invite candidates', owner: { subject: 'candidate', column: 'candidate_id' } },
      assessment_sessions: {
        description: 'Assessment sessions',
        purpose: 'Record the assessment',
        owner: { subject: 'candidate', column: 'candidate_id' },
        softDelete: 'deleted_at',
        columns: { completed_at: { category: 'usage', description: 'the session’s completion' } },
      },
      billing_records: { description: 'Billing records', purpose: 'Invoices', notAboutPersons: 'company invoices' },
    },
    retention: [
      {
        id: 'sessions',
        description: 'Session data after completion',
        table: 'assessment_sessions',
        from: 'completed_at',
        where: [{ column: 'completed_at', isNull: false }],
        stages: [
          { after: '180d', action: 'soft-delete' },
          { after: '30d', action: 'hard-delete' },
        ],
        basis: 'operational',
      },
      {
        id: 'inactive-candidates',
        kind: 'inactivity',
        description: 'Inactive candidate accounts',
        subject: 'candidate',
        after: '2y',
        notice: { before: '30d' },
        basis: 'operational',
      },
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
    audit: { retention: '2y', archive: 's3' },
    logging: { retention: { hot: '30d', cold: '90d' } },
  };
}

describe('retention schedule', () => {
  test('C13: a chained rule gives one entry per stage, the second counted from the first', () => {
    const sessions = retentionSchedule(definePolicy(input())).filter((e) => e.ruleId === 'sessions');
    assert.deepEqual(sessions, [
      {
        ruleId: 'sessions',
        stage: 1,
        data: 'Assessment sessions',
        description: 'Session data after completion',
        scope: 'only where completed at is set',
        from: 'the session’s completion',
        after: '180 days',
        duration: '180d',
        action: 'soft-deleted',
        basis: 'operational',
      },
      {
        ruleId: 'sessions',
        stage: 2,
        data: 'Assessment sessions',
        description: 'Session data after completion',
        scope: 'only where completed at is set',
        from: 'when soft-deleted',
        after: '30 days',
        duration: '30d',
        action: 'hard-deleted',
        basis: 'operational',
      },
    ]);
  });

  test('C14: an inactivity rule is erasure after a notice, counted from the subject’s last activity', () => {
    const [entry] = retentionSchedule(definePolicy(input())).filter((e) => e.ruleId === 'inactive-candidates');
    assert.equal(entry?.data, 'A candidate invited to an assessment');
    assert.equal(entry?.from, 'last activity: last login at, created at (Assessment invitations)');
    assert.equal(entry?.after, '2 years');
    assert.equal(entry?.action, 'erased after notice');
    assert.equal(entry?.notice, 'email notice first; erased 30 days later unless they return');
  });

  test('C16: a legal rule carries its basis and reference', () => {
    const [entry] = retentionSchedule(definePolicy(input())).filter((e) => e.ruleId === 'billing');
    assert.equal(entry?.basis, 'legal');
    assert.equal(entry?.reference, 'IRS record-keeping (26 CFR 1.6001-1)');
    assert.equal(entry?.after, '7 years');
    assert.equal(entry?.from, 'created at');
    assert.equal('scope' in entry!, false);
  });

  test('C6, A6: audit retention ends in the archive; logs go hot → cold → deleted', () => {
    const tail = retentionSchedule(definePolicy(input())).slice(-3);
    assert.deepEqual(
      tail.map((e) => [e.ruleId, e.stage, e.from, e.after, e.action]),
      [
        ['audit.retention', 1, 'when the event was recorded', '2 years', 'archived'],
        ['logging.retention.hot', 1, 'when the line was written', '30 days', 'archived'],
        ['logging.retention.cold', 2, 'when archived', '90 days', 'hard-deleted'],
      ],
    );
  });

  test('lists every period in policy order and nothing else: no request deadlines', () => {
    const schedule = retentionSchedule(definePolicy(input()));
    assert.deepEqual(
      schedule.map((e) => `${e.ruleId}#${e.stage}`),
      ['sessions#1', 'sessions#2', 'inactive-candidates#1', 'billing#1', 'audit.retention#1', 'logging.retention.hot#1', 'logging.retention.cold#2'],
    );
    assert.ok(schedule.every((e) => !/request|deadline/i.test(e.ruleId)));
  });

  test('without log retention or an archive: audit events are deleted and no log entries appear', () => {
    const p = input();
    p.audit = { retention: '1y', archive: 'none' };
    delete p.logging;
    p.retention = [];
    const schedule = retentionSchedule(definePolicy(p));
    assert.deepEqual(schedule.map((e) => [e.ruleId, e.after, e.action]), [['audit.retention', '1 year', 'hard-deleted']]);
  });

  test('a rule measured from a column of the subject table names that table', () => {
    const p = input();
    p.retention = [
      {
        id: 'sessions-by-login',
        description: 'Sessions of candidates who stopped signing in',
        table: 'assessment_sessions',
        from: 'candidates.last_login_at',
        where: [{ column: 'status', equals: 'closed' }],
        stages: [{ after: '1y', action: 'anonymize' }],
        basis: 'contract',
      },
    ];
    p.tables!.assessment_sessions!.columns = { notes: { category: 'content', erase: { action: 'set-null' } } };
    const [entry] = retentionSchedule(definePolicy(p));
    assert.equal(entry?.from, 'last login at (Candidate profiles)');
    assert.equal(entry?.scope, 'only where status is “closed”');
    assert.equal(entry?.action, 'anonymized');
    assert.equal(entry?.basis, 'contract');
  });
});
