import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person's id, set by authentication; null when nobody is signed in. */
    userId: string | null;
    /** The customer account the request acts in, set by tenancy; null outside one. */
    tenantId: string | null;
  }
}

/** Declares who a request is for, so logging and later plugins read one place. */
export function requestIdentity(app: FastifyInstance): void {
  app.decorateRequest('userId', null);
  app.decorateRequest('tenantId', null);
}
