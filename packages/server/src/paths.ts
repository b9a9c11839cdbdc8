/**
 * Every path the server serves or a page links to, in one place, so a page
 * cannot advertise an endpoint under a different path than the route uses.
 */
export const PATHS = {
  home: '/',
  health: '/healthz',
  privacy: '/privacy',
  securityTxt: '/.well-known/security.txt',
  subprocessors: '/legal/subprocessors',
  dataMap: '/data-map',
  policy: '/v1/policy',
  /** Self-service data-subject endpoints (C10, C11); served once request handling lands. */
  selfExport: '/v1/auth/me/export',
  selfDeletion: '/v1/auth/me/delete-request',
} as const;
