/**
 * Escapes text from manifests, metrics or labels for a Markdown table cell or inline text: HTML
 * is entity-encoded, Markdown punctuation (pipes, backticks, emphasis, links, headings) is
 * backslash-escaped, `@` mentions are defused, and newlines collapse to spaces, so a hostile
 * workload name cannot break the table, inject HTML or ping people.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/([\\`*_[\]#|~])/g, '\\$1')
    .replace(/@/g, '&#64;');
}

/** A Markdown table from a header and rows; every cell is escaped. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
