/**
 * Data categories a column can hold. The privacy page groups what is stored by
 * these; `check` and `init` use them to decide what counts as personal data.
 */
export const DATA_CATEGORIES = {
  identifier: 'Identifiers (account ids, handles, OAuth subject ids)',
  contact: 'Contact details (email address, phone number)',
  profile: 'Profile (name, picture, biography, preferences)',
  'date-of-birth': 'Date of birth',
  credential: 'Credentials and tokens (OAuth tokens, API keys, invite tokens)',
  financial: 'Financial details (bank account and routing numbers)',
  'government-id': 'Government identifiers (SSN, EIN)',
  tax: 'Tax records',
  billing: 'Billing and payment records',
  content: 'Content people create (messages, code, prompts)',
  assessment: 'Assessment results and scorecards',
  usage: 'Usage and activity records',
  device: 'Device and network data (IP address, user agent)',
  location: 'Location data',
  preference: 'Preferences (language, notification settings)',
  business: 'Business records about an organisation, not a person',
  security: 'Security records (audit events, sessions)',
  none: 'Not personal data',
} as const;

export type DataCategory = keyof typeof DATA_CATEGORIES;

export const CATEGORY_IDS = Object.keys(DATA_CATEGORIES) as [DataCategory, ...DataCategory[]];
