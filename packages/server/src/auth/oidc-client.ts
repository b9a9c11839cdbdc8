import * as oidc from 'openid-client';
import { ConfigError, CustodianError } from '@custodian/core/errors';

export interface OidcProviderSettings {
  id: string;
  /** e.g. 'https://accounts.google.com'. */
  issuer: string;
  clientId: string;
  /** Makes this a confidential client (client_secret_basic) when given. */
  clientSecret?: string;
  /** Allow plain-http issuers, only honoured for loopback hosts (127.0.0.1, ::1, localhost); anything else refuses with ERR_CONFIG_INVALID. */
  allowInsecureLoopback?: boolean;
  /** Timeout for discovery and token requests, ms (default 5000). */
  timeoutMs?: number;
}

/** Kept server-side between `begin` and `finish`; never sent to the browser except inside the authorization URL. */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export interface OidcClient {
  readonly id: string;
  /** The authorization URL to redirect the browser to (code flow, PKCE S256, state and nonce, scope 'openid email profile') and the checks to keep server-side until the callback. */
  begin(redirectUri: string): Promise<{ url: string; checks: SignInChecks }>;
  /** Exchanges the code from the callback URL and verifies the ID token against the checks; returns the identity. */
  finish(callbackUrl: URL, checks: SignInChecks, redirectUri: string): Promise<VerifiedIdentity>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const SCOPE = 'openid email profile';

/**
 * openid-client codes that mean the provider (not the callback) is at fault:
 * it timed out, was refused, or answered with something that is not OAuth.
 * Every other ClientError raised while finishing is a check on the callback or
 * the ID token that failed.
 */
const PROVIDER_FAULT_CODES = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_PARSE_ERROR',
  'OAUTH_HTTP_REQUEST_FORBIDDEN',
  'OAUTH_REQUEST_PROTOCOL_FORBIDDEN',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_INVALID_SERVER_METADATA',
]);

function checkSettings(settings: OidcProviderSettings): { issuer: URL; insecure: boolean; timeoutSeconds: number } {
  const where = `sign-in provider ${JSON.stringify(settings.id)}`;
  if (!settings.id) throw new ConfigError('a sign-in provider has no id');
  if (!settings.clientId) throw new ConfigError(`${where} has no client id`);
  let issuer: URL;
  try {
    issuer = new URL(settings.issuer);
  } catch (error) {
    throw new ConfigError(`${where} has an issuer that is not a URL`, 'give the issuer as an absolute https URL');
  }
  let insecure = false;
  if (issuer.protocol === 'http:') {
    // Plain http lets anyone on the path forge ID tokens, so it is only for a provider on this machine (tests, local dev).
    if (!settings.allowInsecureLoopback || !LOOPBACK_HOSTS.has(issuer.hostname)) {
      throw new ConfigError(`${where} has a plain-http issuer`, 'use https; plain http is only allowed for a loopback issuer with allowInsecureLoopback');
    }
    insecure = true;
  } else if (issuer.protocol !== 'https:') {
    throw new ConfigError(`${where} has an issuer that is not https`, 'give the issuer as an absolute https URL');
  }
  const timeoutMs = settings.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError(`${where} has a timeout that is not a positive number`);
  return { issuer, insecure, timeoutSeconds: timeoutMs / 1000 };
}

function unavailable(id: string, what: string, cause: unknown): CustodianError {
  return new CustodianError('ERR_AUTH_PROVIDER_UNAVAILABLE', `sign-in provider ${JSON.stringify(id)}: ${what}`, { cause });
}

function invalid(id: string, what: string, cause?: unknown): CustodianError {
  return new CustodianError('ERR_AUTH_CALLBACK_INVALID', `sign-in callback from ${JSON.stringify(id)}: ${what}`, cause === undefined ? {} : { cause });
}

/** Sorts what openid-client threw while finishing into the provider's fault or the callback's. */
function classifyFinishError(id: string, error: unknown): CustodianError {
  if (error instanceof oidc.AuthorizationResponseError) return invalid(id, 'the provider returned an error instead of a code', error);
  if (error instanceof oidc.ResponseBodyError) {
    if (error.status >= 500) return unavailable(id, `the token endpoint failed with status ${error.status}`, error);
    // A used, expired or foreign code, or a code verifier that does not match, all come back as invalid_grant.
    if (error.error === 'invalid_grant') return invalid(id, 'the provider refused the code', error);
    return unavailable(id, `the token endpoint refused the request (${error.status})`, error);
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return unavailable(id, `the token endpoint refused the client (${error.status})`, error);
  }
  if (error instanceof oidc.ClientError) {
    if (error.code !== undefined && PROVIDER_FAULT_CODES.has(error.code)) {
      return unavailable(id, 'the token endpoint could not be used', error);
    }
    return invalid(id, 'the ID token or the callback failed verification', error);
  }
  // fetch raises TypeError for refused connections and DNS failures.
  if (error instanceof TypeError) return unavailable(id, 'the token endpoint could not be reached', error);
  return unavailable(id, 'the code exchange failed', error);
}

export function createOidcClient(settings: OidcProviderSettings): OidcClient {
  const { issuer, insecure, timeoutSeconds } = checkSettings(settings);
  const id = settings.id;
  let pending: Promise<oidc.Configuration> | undefined;

  function configuration(): Promise<oidc.Configuration> {
    pending ??= oidc
      .discovery(
        issuer,
        settings.clientId,
        undefined,
        settings.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(settings.clientSecret),
        { timeout: timeoutSeconds, ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}) },
      )
      .catch((error: unknown) => {
        // Forget the failure so the next sign-in tries again instead of failing until restart.
        pending = undefined;
        throw unavailable(id, 'discovery failed', error);
      });
    return pending;
  }

  return {
    id,

    async begin(redirectUri) {
      const config = await configuration();
      const checks: SignInChecks = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      return { url: url.href, checks };
    },

    async finish(callbackUrl, checks, redirectUri) {
      const params = callbackUrl.searchParams;
      // Checked here before any request so a forged or cancelled callback costs no round trip and never spends a code.
      if (params.get('state') !== checks.state) throw invalid(id, 'the state does not match this sign-in');
      if (params.has('error')) throw invalid(id, 'the provider returned an error instead of a code');
      if (!params.get('code')) throw invalid(id, 'the callback has no code');

      const config = await configuration();
      // openid-client sends the callback's own address as redirect_uri; the configured one is what the provider
      // registered, and may differ from how this request reached us behind a proxy.
      const current = new URL(redirectUri);
      current.search = callbackUrl.search;
      current.hash = '';

      let claims: oidc.IDToken | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, current, {
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          pkceCodeVerifier: checks.codeVerifier,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        throw classifyFinishError(id, error);
      }
      if (claims === undefined) throw invalid(id, 'the provider returned no ID token');
      return {
        issuer: claims.iss,
        subject: claims.sub,
        email: typeof claims.email === 'string' ? claims.email : null,
        emailVerified: claims.email_verified === true,
        name: typeof claims.name === 'string' ? claims.name : null,
      };
    },
  };
}
