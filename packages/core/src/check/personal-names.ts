import type { DataCategory } from '../policy/schema/categories.js';
import type { ColumnInfo, ColumnKind, TableInfo } from './schema-types.js';

/** Why a column looks personal: the category it probably holds, and whether it is a secret. */
export interface PersonalGuess {
  category: DataCategory;
  secret: boolean;
  reason: string;
}

interface Pattern {
  /** Whole names only. */
  names?: string[];
  /** Words or runs of words the name contains between underscores: `bank_account` in `bank_account_ciphertext`. */
  words?: string[];
  category: DataCategory;
  secret?: boolean;
  /** Types the data could be stored as; anything else (a boolean `email_verified`) is not it. */
  kinds: ColumnKind[];
  /** Only in a table that looks like it describes people (`users`, `candidates`, …). */
  personTableOnly?: boolean;
  reason: string;
}

const TEXTISH: ColumnKind[] = ['text', 'bytea', 'json', 'other'];

/*
 * Names are heuristics: they decide what `check` warns about and what `init`
 * drafts for a person to confirm, never what is enforced. First match wins,
 * so secrets come before the broader words they contain (`email_token`).
 */
const PATTERNS: Pattern[] = [
  { words: ['password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'private_key', 'credential', 'credentials', 'otp', 'totp', 'recovery_codes', 'webhook_key'], category: 'credential', secret: true, kinds: TEXTISH, reason: 'named like a credential or token' },
  { words: ['ssn', 'ein', 'tin', 'passport', 'tax_id', 'national_id', 'driver_license', 'drivers_license', 'tax_number'], category: 'government-id', kinds: [...TEXTISH, 'integer'], reason: 'named like a government identifier' },
  { words: ['iban', 'routing', 'bank_account', 'account_number', 'card_number'], names: ['card_last4'], category: 'financial', kinds: [...TEXTISH, 'integer'], reason: 'named like a bank or card number' },
  { words: ['dob', 'birthday', 'birthdate', 'birth'], category: 'date-of-birth', kinds: ['date', 'timestamp', 'timestamptz', 'text', 'bytea'], reason: 'named like a date of birth' },
  { words: ['email', 'e_mail', 'phone', 'mobile', 'telephone', 'fax', 'address', 'street', 'postcode', 'postal_code', 'zip', 'zipcode'], category: 'contact', kinds: TEXTISH, reason: 'named like contact details' },
  { words: ['ip', 'useragent', 'user_agent', 'device_id', 'mac_address'], names: ['ip_address'], category: 'device', kinds: ['text', 'inet', 'bytea'], reason: 'named like network or device data' },
  { words: ['latitude', 'longitude', 'lat', 'lng', 'geo', 'geolocation'], category: 'location', kinds: ['numeric', 'text', 'json', 'other'], reason: 'named like a location' },
  { words: ['first_name', 'last_name', 'full_name', 'display_name', 'given_name', 'family_name', 'middle_name', 'surname', 'nickname', 'maiden_name', 'legal_name', 'avatar', 'avatar_url', 'bio', 'gender', 'pronouns', 'contact_name'], category: 'profile', kinds: TEXTISH, reason: 'named like a person\'s name or profile' },
  { names: ['name', 'image', 'image_url', 'photo', 'photo_url', 'picture', 'picture_url', 'about'], category: 'profile', kinds: TEXTISH, personTableOnly: true, reason: 'a name or picture in a table about people' },
  { words: ['username', 'user_name', 'handle', 'login', 'oauth_id', 'oauth_subject', 'google_sub', 'google_id', 'github_id', 'provider_user_id'], category: 'identifier', kinds: [...TEXTISH, 'integer'], reason: 'named like an account identifier' },
  { words: ['language', 'locale', 'timezone', 'time_zone'], category: 'preference', kinds: TEXTISH.concat('enum'), personTableOnly: true, reason: 'a preference in a table about people' },
];

/** Last words that make a name about something else: `email_verified_at`, `token_count`, `phone_number_id` (a reference, not the number). */
const QUALIFIERS = new Set(['at', 'id', 'ids', 'on', 'count', 'verified', 'enabled', 'expires', 'expiry', 'type', 'kind', 'status', 'sent', 'confirmed', 'attempts', 'version', 'length', 'ttl', 'format', 'scope', 'scopes', 'last4', 'prefix', 'hint']);

const PERSON_WORDS = new Set(['user', 'users', 'account', 'accounts', 'person', 'people', 'persons', 'candidate', 'candidates', 'member', 'members', 'customer', 'customers', 'employee', 'employees', 'contact', 'contacts', 'profile', 'profiles', 'patient', 'patients', 'student', 'students', 'applicant', 'applicants', 'subscriber', 'subscribers', 'participant', 'participants', 'guest', 'guests', 'author', 'authors']);

export function isPersonTable(table: Pick<TableInfo, 'name'>): boolean {
  return table.name.split('_').some((w) => PERSON_WORDS.has(w));
}

/** Whether a column's name suggests personal data, and which kind; null when it does not. */
export function guessPersonal(table: Pick<TableInfo, 'name' | 'foreignKeys'>, column: ColumnInfo): PersonalGuess | null {
  const name = column.name.toLowerCase();
  const words = name.split('_').filter(Boolean);
  const last = words[words.length - 1] ?? '';
  const bounded = `_${words.join('_')}_`;
  // A foreign key links rows; what it points at is declared where it lives.
  if (table.foreignKeys.some((fk) => fk.columns.includes(column.name))) return null;
  const fits = (p: Pattern) =>
    (!p.personTableOnly || isPersonTable(table)) &&
    (p.kinds.includes(column.kind) || (column.kind === 'array' && p.kinds.includes(column.elementKind ?? 'other')));
  // Whole names first, so `ip_address` is device data before `address` makes it contact data,
  // and a whole name such as `national_id` counts even though `id` usually marks a reference.
  const match =
    PATTERNS.find((p) => (p.names?.includes(name) || p.words?.includes(name)) && fits(p)) ??
    (QUALIFIERS.has(last) ? undefined : PATTERNS.find((p) => p.words?.some((w) => bounded.includes(`_${w}_`)) && fits(p)));
  if (match) return { category: match.category, secret: match.secret ?? false, reason: match.reason };
  return null;
}
