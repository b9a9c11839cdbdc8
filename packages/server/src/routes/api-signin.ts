import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { signIn } from '@custodian/core/auth';
import type { Database } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { approxSeconds, type Policy } from '@custodian/core/policy';
import { replaceBrowserSession } from '../auth/browser-session.js';
import { clearSigninCookie, readCookie, setSigninCookie, SIGNIN_COOKIE } from '../auth/cookies.js';
import type { OidcClient } from '../auth/oidc-client.js';
import type { Api } from '../api/index.js';
import { requestOrigin } from '../api/route.js';

/** How long a started sign-in may take at the provider. */
const ATTEMPT_SECONDS = 600;

const providerParams = z.strictObject({ provider: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/) });

/** Only a path on this site: `//evil.example` and `/\evil.example` are other sites to a browser. */
const returnTo = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[\x21-\x7e]*$/, { error: 'must be a path on this site' });

const stateHash = (state: string) => createHash('sha256').update(state, 'utf8').digest();
const sameText = (a: string, b: string) => timingSafeEqual(stateHash(a), stateHash(b));

/**
 * Sign-in with OpenID Connect (A10): `GET /v1/auth/signin/:provider` sends
 * the browser to the provider with PKCE, state and nonce kept server-side;
 * `GET /v1/auth/callback/:provider` checks them, verifies the ID token,
 * opens a server-side session and sets the cookie (A11). No password is
 * asked for or stored anywhere.
 */
export function signInRoutes(api: Api, options: { db: Database; policy: Policy; clients: ReadonlyMap<string, OidcClient>; publicUrl: string | undefined }): void {
  const { db, policy, clients } = options;
  const ttlSeconds = approxSeconds(policy.auth.session.ttl);
  const clientFor = (id: string) => {
    const client = clients.get(id);
    if (!client) throw new CustodianError('ERR_AUTH_PROVIDER_UNKNOWN', 'no sign-in provider with that id is configured');
    if (!options.publicUrl) throw new CustodianError('ERR_AUTH_PROVIDER_UNAVAILABLE', 'sign-in needs the server\'s public URL (CUSTODIAN_PUBLIC_URL)');
    return { client, redirectUri: `${options.publicUrl}/v1/auth/callback/${id}` };
  };

  api.route({
    method: 'GET',
    url: '/v1/auth/signin/:provider',
    tag: 'auth',
    summary: 'Start signing in with an OpenID provider',
    access: { kind: 'public' },
    limit: { class: 'signin' },
    params: providerParams,
    query: z.strictObject({ returnTo: returnTo.optional() }),
    responses: { 302: { description: 'Redirect to the provider.' } },
    handler: async ({ params, query, reply }) => {
      const { client, redirectUri } = clientFor(params.provider);
      const { url, checks } = await client.begin(redirectUri);
      await db.query(
        `INSERT INTO custodian.signin_attempts (state_hash, provider, nonce, code_verifier, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
        [stateHash(checks.state), client.id, checks.nonce, checks.codeVerifier, query.returnTo ?? '/', ATTEMPT_SECONDS],
      );
      // Attempts nobody finished are dropped here rather than by a separate job.
      await db.query(`DELETE FROM custodian.signin_attempts WHERE expires_at < now()`);
      setSigninCookie(reply, checks.state, ATTEMPT_SECONDS);
      return reply.code(302).header('location', url).header('cache-control', 'no-store').send();
    },
  });

  api.route({
    method: 'GET',
    url: '/v1/auth/callback/:provider',
    tag: 'auth',
    summary: 'Where the provider sends the browser back; opens the session',
    access: { kind: 'public' },
    // C23: a callback that fails its checks is a failed sign-in, counted against the address.
    limit: { class: 'signin', failures: ['ERR_AUTH_CALLBACK_INVALID', 'ERR_AUTH_ACCOUNT_DELETED'] },
    params: providerParams,
    query: z.record(z.string().max(100), z.string().max(4096)),
    responses: { 303: { description: 'Signed in: the session cookie is set and the browser goes back where it started.' } },
    handler: async ({ params, query, request, reply }) => {
      const { client, redirectUri } = clientFor(params.provider);
      const state = typeof query.state === 'string' ? query.state : '';
      // The state must come back to the browser that started this sign-in, not to any browser a link was sent to.
      const started = readCookie(request, SIGNIN_COOKIE);
      clearSigninCookie(reply);
      if (!started || !sameText(started, state)) {
        throw new CustodianError('ERR_AUTH_CALLBACK_INVALID', 'this sign-in was not started in this browser; start again');
      }
      // Used once: the attempt is deleted as it is read, so a replayed callback finds nothing.
      const { rows } = await db.query<{ nonce: string; code_verifier: string; return_to: string }>(
        `DELETE FROM custodian.signin_attempts WHERE state_hash = $1 AND provider = $2 AND expires_at > now() RETURNING nonce, code_verifier, return_to`,
        [stateHash(state), client.id],
      );
      const attempt = rows[0];
      if (!attempt) throw new CustodianError('ERR_AUTH_CALLBACK_INVALID', 'this sign-in is unknown or took too long; start again');
      const callbackUrl = new URL(redirectUri);
      for (const [k, v] of Object.entries(query)) callbackUrl.searchParams.set(k, v);
      const identity = await client.finish(callbackUrl, { state, nonce: attempt.nonce, codeVerifier: attempt.code_verifier }, redirectUri);
      const { session } = await signIn(
        db,
        // An address the provider has not verified is not used to match invites or records.
        { issuer: identity.issuer, subject: identity.subject, email: identity.emailVerified ? identity.email : null, name: identity.name },
        { ttlSeconds, ...requestOrigin(request) },
      );
      await replaceBrowserSession(db, request, reply, session, policy.auth.session);
      return reply.code(303).header('location', attempt.return_to).header('cache-control', 'no-store').send();
    },
  });
}
