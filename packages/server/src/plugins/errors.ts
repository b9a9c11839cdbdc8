import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCustodianError, type ErrorCode } from '@custodian/core/errors';
import { errorFields } from '../logging/error-fields.js';

/** The one shape of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * Messages are fixed per code rather than taken from the error: parser
 * errors quote the input they choked on (`Unexpected token 'a', "abc…" is
 * not valid JSON`), and a response must not echo a request's content back.
 */
const MESSAGES = {
  ERR_HTTP_BAD_REQUEST: 'The request is malformed.',
  ERR_HTTP_NOT_FOUND: 'No such route.',
  ERR_HTTP_PAYLOAD_TOO_LARGE: 'The request body is larger than allowed.',
  ERR_INTERNAL: 'An unexpected error occurred.',
} as const;

/** Fastify's own codes for a body that could not be read, and what each means for the client. */
const FASTIFY_CODES: Record<string, { status: number; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'The request body is empty but its content type says JSON.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'The request body’s content type is not supported.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: 'The request body’s size does not match its Content-Length.' },
  FST_ERR_BAD_URL: { status: 400, message: 'The request URL is malformed.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, message: 'A path segment of the request URL is too long.' },
};

/** Codes a client can cause, and their status; every other code is the server's fault (500, detail logged only). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_HTTP_BAD_REQUEST: 400,
  ERR_HTTP_NOT_FOUND: 404,
  ERR_HTTP_PAYLOAD_TOO_LARGE: 413,
  ERR_AUTH_REQUIRED: 401,
  ERR_AUTH_FORBIDDEN: 403,
  ERR_TENANT_NOT_FOUND: 404,
  ERR_AUTH_ACCOUNT_DELETED: 403,
  ERR_AUTH_PROVIDER_UNAVAILABLE: 503,
  ERR_AUTH_CALLBACK_INVALID: 400,
  ERR_AUTH_PROVIDER_UNKNOWN: 404,
  ERR_INVITE_INVALID: 404,
  ERR_MEMBERSHIP_CONFLICT: 409,
  ERR_OPERATOR_GRANT_INVALID: 400,
  ERR_RATE_LIMITED: 429,
  ERR_TOO_MANY_FAILURES: 429,
  ERR_IP_BLOCKED: 403,
  ERR_RATE_LIMIT_UNAVAILABLE: 503,
  ERR_BLOCKLIST_ENTRY_INVALID: 400,
  ERR_BLOCKLIST_ENTRY_NOT_FOUND: 404,
  ERR_AUDIT_QUERY_INVALID: 400,
  ERR_DSAR_REQUEST_INVALID: 400,
  ERR_DSAR_NOT_FOUND: 404,
  ERR_DSAR_SUBJECT_NOT_FOUND: 404,
  ERR_DSAR_TRANSITION: 409,
  ERR_DSAR_REFUSED: 409,
  ERR_DSAR_RESTRICTED: 409,
};

interface Mapped {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * Validation messages name the failing location and rule
 * (`querystring/format must be equal to one of the allowed values`), never the value.
 */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return MESSAGES.ERR_HTTP_BAD_REQUEST;
  const where = `${error.validationContext ?? 'request'}${first.instancePath}`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

export function mapError(error: unknown): Mapped {
  if (isCustodianError(error)) {
    const status = HTTP_STATUS[error.code];
    // Custodian messages carry no input values by design; anything not an HTTP error is the server's fault.
    if (status !== undefined) return { status, code: error.code, message: error.message };
    return { status: 500, code: 'ERR_INTERNAL', message: MESSAGES.ERR_INTERNAL };
  }
  const e = error as Partial<FastifyError> | undefined;
  if (e?.validation) return { status: 400, code: 'ERR_HTTP_BAD_REQUEST', message: validationMessage(e as FastifyError) };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413) {
    return { status: 413, code: 'ERR_HTTP_PAYLOAD_TOO_LARGE', message: MESSAGES.ERR_HTTP_PAYLOAD_TOO_LARGE };
  }
  const known = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status: known.status, code: 'ERR_HTTP_BAD_REQUEST', message: known.message };
  if (e?.statusCode === 404) return { status: 404, code: 'ERR_HTTP_NOT_FOUND', message: MESSAGES.ERR_HTTP_NOT_FOUND };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: 'ERR_HTTP_BAD_REQUEST', message: MESSAGES.ERR_HTTP_BAD_REQUEST };
  }
  return { status: 500, code: 'ERR_INTERNAL', message: MESSAGES.ERR_INTERNAL };
}

export function sendError(reply: FastifyReply, mapped: Mapped): FastifyReply {
  const body: ErrorBody = { error: { code: mapped.code, message: mapped.message } };
  return reply.code(mapped.status).type('application/json; charset=utf-8').send(body);
}

function handle(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = mapError(error);
  // The detail of an unexpected failure goes to the server log, never to the client.
  if (mapped.status >= 500) request.server.log.error({ error: errorFields(error) }, 'request failed');
  return sendError(reply, mapped);
}

/**
 * Every error and every unknown route answers `{ error: { code, message } }`
 * with a stable code from ERROR_CODES; never a stack trace, never the input.
 */
export function errorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handle);
  app.setNotFoundHandler((_request, reply) => sendError(reply, { status: 404, code: 'ERR_HTTP_NOT_FOUND', message: MESSAGES.ERR_HTTP_NOT_FOUND }));
}

type Step = (request: FastifyRequest, reply: FastifyReply) => void;

/**
 * For Fastify's `frameworkErrors` option: a malformed URL gets the same error
 * shape instead of Fastify's own, which echoes the path back. Such requests
 * never reach the hooks, so the caller passes what the hooks would have done:
 * `before` sending (headers) and `after` (the request log line).
 */
export function frameworkErrorHandler(before: Step, after: Step) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    before(request, reply);
    handle(error, request, reply);
    after(request, reply);
  };
}
