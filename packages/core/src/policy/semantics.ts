import type { PolicyProblem } from '../errors.js';
import { approxSeconds, parseDuration } from './duration.js';
import { isPersonal } from './personal.js';
import type { PolicyData } from './schema/index.js';
import type { Owner, Table } from './schema/tables.js';
import { DATA_CATEGORIES } from './schema/categories.js';
import { MAX_LIMIT_SECONDS } from './schema/operations.js';
import { closest } from './problems.js';

/**
 * Checks that need the whole policy: references between sections, and rules
 * a schema cannot say (one default region, a material change announced 30
 * days ahead). Runs on the parsed policy, and also on raw input that failed
 * the schema, so one run reports every problem; each check tolerates missing
 * or malformed parts, which the schema has already reported.
 */
type Check = (p: PolicyData, add: (path: string, message: string, hint?: string) => void) => void;

const entries = <T>(r: Record<string, T> | undefined): [string, T][] =>
  r && typeof r === 'object' && !Array.isArray(r) ? Object.entries(r) : [];
const list = <T>(a: T[] | undefined): T[] => (Array.isArray(a) ? a : []);

export function ownersOf(table: Pick<Table, 'owner'>): Owner[] {
  if (!table.owner) return [];
  return Array.isArray(table.owner) ? table.owner : [table.owner];
}

const TEMPLATE_TOKEN = /\{([^}]*)\}/g;
const KNOWN_TOKENS = new Set(['uuid']);

const subjectsCheck: Check = (p, add) => {
  const tables = p.tables ?? {};
  for (const [name, subject] of entries(p.subjects)) {
    const at = `subjects.${name}`;
    if (typeof subject?.table === 'string' && !(subject.table in tables)) {
      add(`${at}.table`, `names table \`${subject.table}\`, which is not declared under \`tables\``, 'declare the subject table under `tables` with its columns');
    }
    for (const [idName, identity] of entries(subject?.identities)) {
      if (identity?.table && identity.table !== subject.table) {
        if (!(identity.table in tables)) add(`${at}.identities.${idName}.table`, `names table \`${identity.table}\`, which is not declared under \`tables\``, 'declare it under `tables`');
        if (!identity.subjectColumn) add(`${at}.identities.${idName}.subjectColumn`, 'is required when the identity lives in another table', 'name the column of that table that holds the subject key');
      }
      const column = tables[identity?.table ?? subject?.table]?.columns?.[identity?.column];
      if (identity?.lookup === 'blind-index' && column && !column.encryption?.blindIndex) {
        add(`${at}.identities.${idName}.lookup`, '`blind-index` needs a blind index on that column', `add \`encryption.blindIndex\` to tables.${identity.table ?? subject.table}.columns.${identity.column}`);
      }
    }
    for (const [i, ref] of list(subject?.activity).entries()) {
      const table = typeof ref === 'string' ? ref.slice(0, ref.lastIndexOf('.')) : '';
      if (table && !(table in tables)) add(`${at}.activity[${i}]`, `names table \`${table}\`, which is not declared under \`tables\``, 'declare it under `tables`');
    }
  }
};

const ownerCheck = (p: PolicyData, owner: Owner, at: string, add: Parameters<Check>[1]): void => {
  const subject = p.subjects?.[owner?.subject];
  if (!subject) {
    const guess = closest(String(owner?.subject), Object.keys(p.subjects ?? {}));
    add(`${at}.subject`, `names subject \`${owner?.subject}\`, which is not declared`, guess ? `did you mean \`${guess}\`?` : 'declare it under `subjects`');
    return;
  }
  if ('path' in owner && Array.isArray(owner.path) && owner.path.length > 0) {
    const last = owner.path[owner.path.length - 1]!;
    const target = `${subject.table}.${subject.key ?? 'id'}`;
    if (last?.references !== target) {
      add(`${at}.path[${owner.path.length - 1}].references`, `the last hop must reach the subject key \`${target}\``, `end the path with a hop that references ${target}`);
    }
  }
};

const tablesCheck: Check = (p, add) => {
  const ruleIds = new Set(list(p.retention).map((r) => r?.id));
  for (const [name, table] of entries(p.tables)) {
    const at = `tables.${name}`;
    const owners = ownersOf(table ?? {});
    const isSubjectTable = entries(p.subjects).some(([, s]) => s?.table === name);
    if (table?.notAboutPersons && owners.length > 0) {
      add(`${at}.notAboutPersons`, 'is set on a table that also has an owner', 'remove one: a table is either about persons or not');
    }
    owners.forEach((o, i) => ownerCheck(p, o, Array.isArray(table.owner) ? `${at}.owner[${i}]` : `${at}.owner`, add));
    const rowErase = table?.erase;
    if (rowErase?.action === 'reassign' || rowErase?.action === 'pseudonymize' || rowErase?.action === 'set-literal' || rowErase?.action === 'set-null') {
      add(`${at}.erase`, `\`${rowErase.action}\` applies to a column, not a whole row`, 'use `delete-row`, `retain` or `keep` here, and column actions under `columns`');
    }
    if (rowErase?.action === 'retain' && !ruleIds.has(rowErase.until)) {
      add(`${at}.erase.until`, `names retention rule \`${rowErase.until}\`, which is not declared`, 'name the `id` of a rule under `retention`');
    }
    if (table?.softDelete && table.columns?.[table.softDelete] && isPersonal(table.columns[table.softDelete]!)) {
      add(`${at}.softDelete`, 'names a column declared as personal data', 'a soft-delete marker is a timestamp; declare it with category `none` or leave it out of `columns`');
    }
    for (const [colName, column] of entries(table?.columns)) {
      const cat = `${at}.columns.${colName}`;
      if (!column) continue;
      const personal = isPersonal(column);
      if (personal && owners.length === 0 && !isSubjectTable) {
        add(cat, table?.notAboutPersons ? 'holds personal data, but the table is marked not about persons' : 'holds personal data but its table has no owner, so no subject reaches it', 'give the table an `owner` (a column or a path of foreign keys to a subject), or mark the column `personal: false`');
      }
      const erase = column.erase;
      if (erase?.action === 'pseudonymize') {
        for (const m of erase.template.matchAll(TEMPLATE_TOKEN)) {
          if (!KNOWN_TOKENS.has(m[1]!)) add(`${cat}.erase.template`, `has an unknown placeholder \`{${m[1]}}\``, 'the template understands `{uuid}` only');
        }
      }
      if (erase?.action === 'reassign') {
        const direct = owners.find((o) => 'column' in o && o.column === colName);
        if (!direct) add(`${cat}.erase`, '`reassign` needs this column to be the table\'s owner column', `set the table's owner to { subject, column: '${colName}' }`);
        else if (!p.subjects?.[direct.subject]?.placeholder) {
          add(`${cat}.erase`, `\`reassign\` needs a placeholder for subject \`${direct.subject}\``, `add \`subjects.${direct.subject}.placeholder\` with the key of a placeholder row`);
        }
      }
      if (erase?.action === 'delete-row') {
        add(`${cat}.erase`, '`delete-row` acts on the whole row, not one column', `set \`tables.${name}.erase\` to { action: 'delete-row' } instead`);
      }
      if (erase?.action === 'retain' && !ruleIds.has(erase.until)) {
        add(`${cat}.erase.until`, `names retention rule \`${erase.until}\`, which is not declared`, 'name the `id` of a rule under `retention`');
      }
      const enc = column.encryption;
      if (enc) {
        if ((enc.keyScope ?? 'tenant') === 'tenant' && !table.tenant) {
          add(`${cat}.encryption.keyScope`, 'is `tenant` (the default) but the table has no tenant column', 'declare `tenant` on the table, or use keyScope `root` or `subject`');
        }
        if (enc.keyScope === 'subject' && owners.length === 0 && !isSubjectTable) {
          add(`${cat}.encryption.keyScope`, 'is `subject` but the table has no owner', 'give the table an `owner`');
        }
        for (const kind of ['mask', 'blindIndex'] as const) {
          if (enc[kind]?.column === colName) add(`${cat}.encryption.${kind}.column`, 'must be a column other than the encrypted one', `store the ${kind === 'mask' ? 'mask' : 'index'} in its own column`);
        }
      }
    }
  }
};

const retentionCheck: Check = (p, add) => {
  const seen = new Set<string>();
  for (const [i, rule] of list(p.retention).entries()) {
    const at = `retention[${i}]`;
    if (!rule) continue;
    if (seen.has(rule.id)) add(`${at}.id`, `repeats rule id \`${rule.id}\``, 'give each rule its own id');
    seen.add(rule.id);
    if (rule.kind === 'inactivity') {
      const subject = p.subjects?.[rule.subject];
      if (!subject) add(`${at}.subject`, `names subject \`${rule.subject}\`, which is not declared`, 'declare it under `subjects`');
      else if (list(subject.activity).length === 0) add(`${at}.subject`, `subject \`${rule.subject}\` declares no activity columns`, `add \`subjects.${rule.subject}.activity\`, e.g. ['candidates.last_login_at']`);
      if (parseDuration(rule.after) && parseDuration(rule.notice?.before) && approxSeconds(rule.notice.before) >= approxSeconds(rule.after)) {
        add(`${at}.notice.before`, 'the grace period after the notice is not shorter than the inactivity period', 'give a grace period such as `30d` between the notice and the erasure');
      }
      continue;
    }
    const table = p.tables?.[rule.table];
    if (!table) {
      const guess = closest(String(rule.table), Object.keys(p.tables ?? {}));
      add(`${at}.table`, `names table \`${rule.table}\`, which is not declared`, guess ? `did you mean \`${guess}\`?` : 'declare it under `tables`');
      continue;
    }
    const stages = list(rule.stages);
    stages.forEach((stage, s) => {
      if (stage?.action === 'soft-delete' && !table.softDelete) {
        add(`${at}.stages[${s}].action`, `soft delete needs \`tables.${rule.table}.softDelete\``, 'name the timestamp column that soft deletion sets');
      }
      if (stage?.action === 'hard-delete' && s < stages.length - 1) {
        add(`${at}.stages[${s + 1}]`, 'follows a hard delete, which leaves nothing to act on', 'make the hard delete the last stage');
      }
      if (stage?.action === 'anonymize' && !entries(table.columns).some(([, c]) => c?.erase && c.erase.action !== 'keep' && c.erase.action !== 'retain')) {
        add(`${at}.stages[${s}].action`, `anonymize needs erase actions on the columns of \`${rule.table}\``, 'give the personal columns an `erase` action such as set-null or pseudonymize');
      }
    });
    if (rule.scope === 'tenant') {
      if (!p.tenants) add(`${at}.scope`, '`tenant` needs the policy to declare `tenants`', 'add `tenants: { table, key }` naming the table with one row per tenant');
      else if (p.tenants.table !== rule.table) add(`${at}.table`, `a tenant-wide rule must be on the tenant table \`${p.tenants.table}\``, `set the rule's table to ${p.tenants.table}`);
    }
    stages.forEach((stage, s) => {
      if (stage?.mark && table.columns?.[stage.mark] && isPersonal(table.columns[stage.mark]!)) {
        add(`${at}.stages[${s}].mark`, 'names a column declared as personal data', 'a stage mark is a timestamp; declare it with category `none` or leave it out of `columns`');
      }
    });
    if (typeof rule.from === 'string' && rule.from.includes('.')) {
      const fromTable = rule.from.slice(0, rule.from.lastIndexOf('.'));
      const reachable = fromTable === rule.table || ownersOf(table).some((o) => p.subjects?.[o.subject]?.table === fromTable);
      if (!reachable) add(`${at}.from`, `\`${fromTable}\` is neither the rule's table nor the subject table its owner reaches`, 'measure from a column of the table or of its owning subject');
    }
  }
};

const siteCheck: Check = (p, add) => {
  const regions = list(p.regions);
  const defaults = regions.filter((r) => r?.default === true).length;
  if (regions.length > 0 && defaults !== 1) add('regions', `has ${defaults} default regions`, 'mark exactly one region `default: true`');
  const codes = new Set<string>();
  regions.forEach((r, i) => {
    if (codes.has(r?.code)) add(`regions[${i}].code`, `repeats region \`${r.code}\``, 'give each region its own code');
    codes.add(r?.code);
  });
  const jurisdictions = p.requests?.jurisdictions ?? { gdpr: {} };
  const dflt = p.requests?.defaultJurisdiction ?? 'gdpr';
  if (!(dflt in jurisdictions)) add('requests.defaultJurisdiction', `names jurisdiction \`${dflt}\`, which is not declared`, `declare it under requests.jurisdictions, or use one of: ${Object.keys(jurisdictions).join(', ')}`);
  for (const [i, change] of list(p.changes).entries()) {
    if (change?.material && change.announced && change.effective) {
      const days = (Date.parse(change.effective) - Date.parse(change.announced)) / 86_400_000;
      if (days < 30) add(`changes[${i}].effective`, `a material change takes effect ${days} days after it is announced`, 'set the effective date at least 30 days after the announcement (C26)');
    }
  }
  const current = list(p.changes).find((c) => c?.version === p.version);
  if (list(p.changes).length > 0 && !current) add('changes', `does not list the current version \`${p.version}\``, 'add an entry for the current version with its announcement and effective dates');
  if (current && current.effective !== p.effectiveDate) add('effectiveDate', 'differs from the effective date of the current version in `changes`', 'make the two dates the same');
  for (const [i, sp] of list(p.subprocessors).entries()) {
    for (const [j, c] of list(sp?.categories).entries()) {
      if (!(c in DATA_CATEGORIES)) add(`subprocessors[${i}].categories[${j}]`, `is not a known data category`, `use one of: ${Object.keys(DATA_CATEGORIES).join(', ')}`);
    }
  }
  for (const [i, pat] of list(p.logging?.redact?.patterns).entries()) {
    try {
      new RegExp(pat?.pattern, 'g');
    } catch {
      add(`logging.redact.patterns[${i}].pattern`, 'is not a valid regular expression', 'write a JavaScript regular expression without the surrounding slashes');
    }
  }
  if (p.tenants && p.tables && !(p.tenants.table in p.tables)) {
    add('tenants.table', `names table \`${p.tenants.table}\`, which is not declared under \`tables\``, 'declare the tenant table under `tables`');
  }
  const block = p.blocklist;
  if (block && parseDuration(block.defaultExpiry) && parseDuration(block.maxExpiry) && approxSeconds(block.defaultExpiry) > approxSeconds(block.maxExpiry)) {
    add('blocklist.defaultExpiry', 'is longer than blocklist.maxExpiry', 'make the default expiry at most the maximum');
  }
  // A longer window or block would end at once in the in-process counters (MAX_LIMIT_SECONDS says why).
  const tooLong = (at: string, text: unknown) => {
    if (typeof text === 'string' && parseDuration(text) && approxSeconds(text) > MAX_LIMIT_SECONDS) add(at, 'is longer than 24 days, the longest window or block a rate limit can keep', 'use 24d or less (for a monthly quota, count it in the application)');
  };
  for (const [cls, limits] of entries(p.rateLimits)) {
    for (const scope of ['perIp', 'perIdentity'] as const) {
      tooLong(`rateLimits.${cls}.${scope}.per`, limits?.[scope]?.per);
      tooLong(`rateLimits.${cls}.${scope}.blockFor`, limits?.[scope]?.blockFor);
    }
  }
  tooLong('bruteForce.per', p.bruteForce?.per);
  tooLong('bruteForce.blockFor', p.bruteForce?.blockFor);
  // Sign-in and token lookups are what guessing attacks hit: they never run unlimited, not even while Redis is down.
  for (const guarded of ['signin', 'invite-lookup']) {
    if (p.rateLimits?.[guarded]?.onStoreFailure === 'allow') {
      add(`rateLimits.${guarded}.onStoreFailure`, 'is `allow`, which would leave sign-in or invite lookups unlimited while the rate-limit store is down', 'use `local-fallback` (the default) or `deny`');
    }
  }
  for (const [i, cls] of list(p.bruteForce?.routeClasses).entries()) {
    if (!(cls in (p.rateLimits ?? {}))) add(`bruteForce.routeClasses[${i}]`, `names route class \`${cls}\`, which \`rateLimits\` does not declare`, 'declare it under rateLimits, or remove it here');
  }
  const signedIn = p.auth?.subject;
  if (signedIn) {
    const subject = (p.subjects as Record<string, { identities?: Record<string, unknown> }> | undefined)?.[signedIn.name];
    if (!subject) add('auth.subject.name', `names subject \`${signedIn.name}\`, which is not declared under \`subjects\``, 'name the subject a signed-in person is');
    else if (!subject.identities || !Object.hasOwn(subject.identities, signedIn.identity)) {
      add('auth.subject.identity', `names identity \`${signedIn.identity}\`, which subject \`${signedIn.name}\` does not declare`, 'use one of its identities, usually `email`');
    }
  }
  const roles = new Set(list(p.access?.roles ?? ['owner', 'admin', 'member', 'viewer']));
  for (const [perm, granted] of entries(p.access?.permissions)) {
    for (const [j, role] of list(granted).entries()) {
      if (!roles.has(role)) add(`access.permissions.${perm}[${j}]`, `grants role \`${role}\`, which \`access.roles\` does not list`, 'add the role to access.roles or remove it here');
    }
  }
};

const CHECKS: Check[] = [subjectsCheck, tablesCheck, retentionCheck, siteCheck];

export function semanticProblems(policy: PolicyData): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (path: string, message: string, hint?: string) => problems.push(hint === undefined ? { path, message } : { path, message, hint });
  for (const check of CHECKS) {
    try {
      check(policy, add);
    } catch {
      // Malformed input the schema has already reported; the other checks still run.
    }
  }
  return problems;
}
