import { join } from 'node:path';
import { localArchiveStore, resolveCheckpointSigner } from '@custodian/core/audit';
import { isCustodianError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import type { NoticeMailer, RetentionRunOptions } from '@custodian/core/retention';

/**
 * What a retention run needs from the machine it runs on — the mail server
 * for inactivity notices (C14) and the audit archive (C6) — resolved the same
 * way for `custodian retention run` and the server's scheduled sweep.
 */

/**
 * Inactivity notices go out from the address the export mail uses: the
 * policy's requests contact, else its privacy contact. No SMTP URL, no mailer:
 * the inactivity steps are then skipped and the run says so.
 */
export function noticeMailer(policy: Policy, smtp: string | undefined): NoticeMailer | undefined {
  if (!smtp) return undefined;
  return { smtp, from: policy.requestsContact ?? policy.contacts.privacy.email, organization: policy.organization.name };
}

export interface AuditArchiveChoice {
  archive?: RetentionRunOptions['auditArchive'];
  /** Why there is none, for the operator: the step is reported as skipped. */
  why?: string;
}

/**
 * The audit archive `custodian audit archive` writes to: `<stateDir>/audit-archive`
 * (or `dir`), signed with CUSTODIAN_AUDIT_SIGNING_KEY or, in development, the
 * key file `custodian audit checkpoint` made. A retention run never generates
 * a signing key: without one configured, audit archival is left to
 * `custodian audit archive` and the step is skipped.
 */
export function auditArchiveFor(policy: Policy, options: { mode: 'development' | 'production'; stateDir: string; dir?: string }): AuditArchiveChoice {
  if (policy.audit.archive !== 'local') return { why: `the policy's audit.archive is ${policy.audit.archive}, and only local archives are written here` };
  let resolved: ReturnType<typeof resolveCheckpointSigner>;
  try {
    resolved = resolveCheckpointSigner({ mode: options.mode, developmentKeyFile: join(options.stateDir, 'dev-audit-signing-key'), create: false });
  } catch (error) {
    if (isCustodianError(error) && error.code === 'ERR_KEY_REQUIRED') return { why: 'CUSTODIAN_AUDIT_SIGNING_KEY is not set' };
    throw error;
  }
  if (!resolved) return { why: 'there is no audit signing key (set CUSTODIAN_AUDIT_SIGNING_KEY, or run `custodian audit checkpoint` once in development)' };
  return { archive: { store: localArchiveStore(options.dir ?? join(options.stateDir, 'audit-archive')), signer: resolved.signer } };
}
