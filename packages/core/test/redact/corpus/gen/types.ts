export interface Secret {
  kind: string;
  value: string;
  alsoAccept?: string[];
}

export interface Case {
  text: string;
  secrets: Secret[];
  note?: string;
}

/**
 * Kinds that are also right for a value because of the name it is assigned to: a Stripe key
 * under `api_key=` is fairly a generic secret too, one under `password:` a password assignment.
 */
export function acceptedByName(kind: string, name: string): string[] {
  const out = new Set<string>();
  const n = name.toLowerCase();
  if (/pass|pwd|secret/.test(n)) out.add('password-assignment');
  if (/key|token|secret|auth|cred|bearer|session/.test(n)) out.add('generic-secret');
  out.delete(kind);
  return [...out];
}

export function secret(kind: string, value: string, alsoAccept: string[] = []): Secret {
  const extra = [...new Set(alsoAccept)].filter((k) => k !== kind);
  return extra.length > 0 ? { kind, value, alsoAccept: extra } : { kind, value };
}
