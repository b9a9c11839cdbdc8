export { createLogger, redactQuery, type Logger, type LoggerOptions } from './logger.js';
export { errorFields, type ErrorFields } from './error-fields.js';
export { requestLogging, requestLogWriter, type RequestLogField } from './request-log.js';
export { redactorForPolicy, logTagKey } from './redactor.js';
