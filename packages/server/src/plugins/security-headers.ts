import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SecurityHeaderOptions {
  /** Strict-Transport-Security is sent only in production: on plain-HTTP development it would pin the browser to HTTPS. */
  production: boolean;
  /** CSP sources allowed for inline styles, e.g. the layout stylesheet's hash. */
  styleSources: readonly string[];
}

/** Browser features no page of ours uses; all switched off. */
const PERMISSIONS_OFF = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'geolocation',
  'gyroscope',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'publickey-credentials-get',
  'usb',
  'browsing-topics',
]
  .map((f) => `${f}=()`)
  .join(', ');

/** The header set for one server; computed once, applied to every response. */
export function securityHeaderSet(options: SecurityHeaderOptions): Readonly<Record<string, string>> {
  const csp = [
    "default-src 'none'",
    `style-src ${options.styleSources.join(' ')}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers: Record<string, string> = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': PERMISSIONS_OFF,
  };
  if (options.production) headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
  return Object.freeze(headers);
}

export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply, headers: Readonly<Record<string, string>>): void {
  reply.headers(headers);
  // API responses can carry personal data; no cache, shared or private, may keep them.
  if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
}

/**
 * Adds the security headers to every response, including 404s and errors: an
 * `onSend` hook runs for each of them. (Malformed URLs never reach the hooks;
 * the framework-error handler applies the same set.) The pages need no
 * script, no frames and nothing third-party, so the CSP starts from
 * `default-src 'none'`.
 */
export function securityHeaders(app: FastifyInstance, headers: Readonly<Record<string, string>>): void {
  app.addHook('onSend', async (request, reply, payload) => {
    applySecurityHeaders(request, reply, headers);
    return payload;
  });
}
