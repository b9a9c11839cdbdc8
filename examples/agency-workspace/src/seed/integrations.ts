import { SeededRandom } from '@custodian/core/testing';
import type { SeededWorkspace } from './workspaces.js';

/** How likely a workspace is to have connected each provider. */
const PROVIDERS = [
  ['notion', 0.4],
  ['google', 0.5],
  ['slack', 0.5],
  ['meta', 0.2],
  ['whatsapp', 0.15],
  ['webhook', 0.2],
  ['mcp', 0.15],
] as const;

export type Provider = (typeof PROVIDERS)[number][0];

export interface SeededIntegration {
  workspaceId: string;
  provider: Provider;
  createdBy: string;
  createdAt: Date;
}

/**
 * Credentials shaped like each provider's real ones, so later redaction and
 * export tests meet realistic values; none was ever issued by the provider.
 * Returned as plaintext: the seed seals every one before it is stored (B1).
 */
function credentials(rng: SeededRandom, provider: Provider, index: number): Record<string, unknown> {
  switch (provider) {
    case 'notion':
      return { oauth_access_token_ciphertext: `secret_${rng.hex(21)}` };
    case 'google':
      return { oauth_access_token_ciphertext: `ya29.${rng.hex(40)}`, oauth_refresh_token_ciphertext: `1//0g${rng.hex(40)}` };
    case 'slack':
      return { oauth_access_token_ciphertext: `xoxb-${rng.hex(24)}`, oauth_refresh_token_ciphertext: `xoxe-1-${rng.hex(32)}` };
    case 'meta':
      return { oauth_access_token_ciphertext: `EAAB${rng.hex(48)}`, oauth_refresh_token_ciphertext: null };
    case 'whatsapp':
      return { whatsapp_phone_number_id: `10${String(index).padStart(13, '0')}`, whatsapp_token_ciphertext: `EAAG${rng.hex(48)}` };
    case 'webhook':
      return { webhook_url: `https://hooks.agency-${index}.example/atelier`, webhook_api_key_ciphertext: `whk_${rng.hex(24)}` };
    case 'mcp':
      return { mcp_server_url: `https://mcp.tools-${index}.example/sse`, mcp_client_id: `client_${rng.hex(8)}`, mcp_client_secret_ciphertext: `mcs_${rng.hex(32)}` };
  }
}

/** Every credential column, so each row lists the same keys (insertMany takes the first row's). */
const EMPTY = {
  oauth_access_token_ciphertext: null,
  oauth_refresh_token_ciphertext: null,
  webhook_url: null,
  webhook_api_key_ciphertext: null,
  mcp_server_url: null,
  mcp_client_id: null,
  mcp_client_secret_ciphertext: null,
  whatsapp_phone_number_id: null,
  whatsapp_token_ciphertext: null,
};

/** Connected by an owner or admin (B9: managing integrations needs one of those roles). */
export function generateIntegrations(seed: string, workspaces: readonly SeededWorkspace[], now: Date) {
  const rng = new SeededRandom(`${seed}:integrations`);
  const rows: Record<string, unknown>[] = [];
  const connected: SeededIntegration[] = [];
  for (const ws of workspaces) {
    const managers = ws.members.filter((m) => m.role === 'owner' || m.role === 'admin');
    for (const [provider, likelihood] of PROVIDERS) {
      if (!rng.chance(likelihood)) continue;
      const by = rng.pick(managers);
      const createdAt = rng.date(new Date(Math.max(ws.createdAt.getTime(), by.joinedAt.getTime())), now);
      connected.push({ workspaceId: ws.id, provider, createdBy: by.userId, createdAt });
      rows.push({
        workspace_id: ws.id,
        id: rng.uuid(),
        provider,
        label: `${provider[0]!.toUpperCase()}${provider.slice(1)}`,
        created_by: by.userId,
        ...EMPTY,
        ...credentials(rng, provider, rows.length),
        created_at: createdAt,
      });
    }
  }
  return { rows, connected };
}
