/** Fixed word lists for seed data: readable, obviously made up, never real people or companies. */

export const COMPANY_WORDS = ['Blue', 'Harbor', 'Granite', 'Maple', 'Copper', 'North', 'Silver', 'Cedar', 'Orbit', 'Lumen', 'Quartz', 'Willow', 'Atlas', 'Ember', 'Summit', 'Tidal'];
export const COMPANY_SUFFIXES = ['Labs', 'Systems', 'Software', 'Analytics', 'Works', 'Health', 'Logistics', 'Robotics'];

export const ASSESSMENT_TITLES = [
  'Rate limiter in TypeScript',
  'Fix the flaky checkout test',
  'Design a URL shortener API',
  'Parse and validate a CSV import',
  'Refactor a React form component',
  'Debug a failing SQL migration',
];

export const PROMPTS = [
  'How do I debounce this handler without a library?',
  'Why does this test time out only on CI?',
  'Suggest a data structure for a sliding window counter.',
  'Explain this TypeScript error about an implicit any.',
  'Write a regular expression for an ISO date.',
  'What is the complexity of my current approach?',
];

export const CODE_LINES = [
  'const windowStart = now - windowMs;',
  'if (!row) throw new NotFoundError();',
  'return items.filter((item) => item.active);',
  'await db.transaction(async (tx) => insert(tx, rows));',
  'export function parseLine(line: string): Row {',
  'const counts = new Map<string, number>();',
];

export const TERMINAL_LINES = [
  'npm test -- --watch=false',
  'Error: expected 3 to equal 4',
  'Compiled successfully in 812 ms',
  'ReferenceError: windowMs is not defined',
  'PASS src/limiter.test.ts (4 tests)',
  'tsc: 0 errors',
];

export const REVIEW_NOTES = [
  'Clear reasoning, good tests.',
  'Solved it but leaned heavily on the assistant.',
  'Strong debugging; missed an edge case.',
  'Good communication in prompts; code needs structure.',
  'Did not finish; the approach was sound.',
];

export const SUMMARIES = [
  'Completed the core task with tests; one edge case left open.',
  'Iterated quickly with the assistant; final solution passes all tests.',
  'Partial solution; spent most of the session debugging the test set-up.',
  'Clean, well-structured solution with thorough tests.',
];

export const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
];
