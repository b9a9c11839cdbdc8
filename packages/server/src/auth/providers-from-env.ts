import { ConfigError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import type { OidcProviderSettings } from './oidc-client.js';

/** `google` → `CUSTODIAN_OIDC_GOOGLE_`; `my-idp` → `CUSTODIAN_OIDC_MY_IDP_`. */
export const envPrefix = (id: string) => `CUSTODIAN_OIDC_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;

export interface ProvidersFromEnv {
  providers: OidcProviderSettings[];
  /** Providers the policy names whose client id is not configured: sign-in with them is off, and the caller says so. */
  missing: Array<{ id: string; variable: string }>;
}

/**
 * The client settings of each provider the policy names, from the
 * environment: `CUSTODIAN_OIDC_<ID>_CLIENT_ID` and `_CLIENT_SECRET`, and
 * `_ISSUER` to point at another issuer than the policy's (a staging
 * provider, or a provider on loopback in development — plain http is
 * accepted only on a loopback address and never in production).
 */
export function providersFromEnv(policy: Policy, mode: 'development' | 'production', env: NodeJS.ProcessEnv = process.env): ProvidersFromEnv {
  const providers: OidcProviderSettings[] = [];
  const missing: ProvidersFromEnv['missing'] = [];
  for (const p of policy.auth.providers) {
    const prefix = envPrefix(p.id);
    const clientId = env[`${prefix}CLIENT_ID`];
    if (!clientId) {
      missing.push({ id: p.id, variable: `${prefix}CLIENT_ID` });
      continue;
    }
    const issuer = env[`${prefix}ISSUER`] || p.issuer;
    const insecure = issuer.startsWith('http:');
    if (insecure && mode === 'production') throw new ConfigError(`${prefix}ISSUER must be an https URL in production`, 'use the provider\'s https issuer');
    const secret = env[`${prefix}CLIENT_SECRET`];
    providers.push({ id: p.id, issuer, clientId, ...(secret ? { clientSecret: secret } : {}), ...(insecure ? { allowInsecureLoopback: true } : {}) });
  }
  return { providers, missing };
}
