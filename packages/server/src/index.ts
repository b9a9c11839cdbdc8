export { buildServer, DEFAULT_BODY_LIMIT, type ServerOptions } from './app.js';
export { createLogger, redactorForPolicy, type Logger, type LoggerOptions } from './logging/index.js';
export type { ErrorBody } from './plugins/errors.js';
export { PATHS } from './paths.js';
export { escapeHtml } from './pages/html.js';
