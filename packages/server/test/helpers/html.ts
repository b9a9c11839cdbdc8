/** Just enough HTML reading for assertions on pages we generate ourselves. */

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Text content: tags dropped, `<br>` as a newline, entities decoded, whitespace collapsed per line. */
export function text(fragment: string): string {
  return fragment
    .replace(/<br>/g, '\n')
    // Cells, items and blocks end with a space so their texts do not run together.
    .replace(/<\/(td|th|tr|li|dt|dd|p|h[1-6]|span)>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!)
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join('\n')
    .trim();
}

export interface Row {
  /** The `<tr>`'s attributes, e.g. `{ 'data-rule': 'sessions' }`. */
  attrs: Record<string, string>;
  cells: string[];
}

/** The body rows of the table with `id`, each cell as text. */
export function tableRows(page: string, id: string): Row[] {
  const start = page.indexOf(`<table id="${id}">`);
  if (start === -1) throw new Error(`no table #${id}`);
  const table = page.slice(start, page.indexOf('</table>', start));
  const body = table.slice(table.indexOf('<tbody>'));
  return [...body.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map((m) => ({
    attrs: Object.fromEntries([...m[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
    cells: [...m[2]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => text(c[1]!)),
  }));
}

/** The section of a page from the heading with `id` to the next `<h2>`. */
export function section(page: string, id: string): string {
  const start = page.indexOf(`<h2 id="${id}">`);
  if (start === -1) throw new Error(`no section #${id}`);
  const end = page.indexOf('<h2 ', start + 1);
  return page.slice(start, end === -1 ? page.indexOf('</main>') : end);
}
