/**
 * HTML is built with the `html` tag, which escapes every interpolated value
 * unless it is already `SafeHtml` (the output of another `html` call). So a
 * page cannot forget to escape policy text: the only way to put a raw string
 * into markup is to pass it through `escapeHtml` first.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The one escape function: safe in text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Markup that has been escaped already; `html` inserts it as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Values a template may interpolate; `false`, `null` and `undefined` render nothing, so `${cond && html`…`}` works. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/**
 * An href that can only be http(s) or mailto. The policy schema allows only
 * http(s) URLs already; this holds even if a caller passes something else,
 * since `javascript:` survives HTML escaping untouched.
 */
export function safeHref(url: string): string {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : '#';
  } catch {
    return '#';
  }
}

/** A link whose text defaults to the URL itself. */
export function link(url: string, text: string = url): SafeHtml {
  return html`<a href="${safeHref(url)}">${text}</a>`;
}

/** A mailto link for a contact address. */
export function mailto(email: string): SafeHtml {
  return html`<a href="${safeHref(`mailto:${email}`)}">${email}</a>`;
}
