// Tables for the console and for markdown. A table is { title, columns: [name…], rows: [{ [name]: value }…], notes }.

const text = (v) => (v === undefined || v === null ? '' : String(v));

/** The table as aligned plain text, numbers right-aligned. */
export function formatTable({ title, columns, rows, notes = [] }) {
  const cells = rows.map((row) => columns.map((c) => text(row[c])));
  const width = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = columns.map((c, i) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number' || cells[rows.indexOf(row)][i] === ''));
  const line = (values) => values.map((v, i) => (numeric[i] ? v.padStart(width[i]) : v.padEnd(width[i]))).join('  ').trimEnd();
  return [
    title,
    line(columns),
    width.map((w) => '─'.repeat(w)).join('  '),
    ...cells.map(line),
    ...notes.map((n) => `  ${n}`),
  ].join('\n');
}

/** The table as GitHub markdown (title as a bold line, notes as a list after it). */
export function markdownTable({ title, columns, rows, notes = [] }) {
  const escape = (v) => text(v).replaceAll('|', '\\|');
  return [
    title ? `**${title}**\n` : '',
    `| ${columns.map(escape).join(' | ')} |`,
    `|${columns.map((c) => (rows.length > 0 && typeof rows[0][c] === 'number' ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map((c) => escape(row[c])).join(' | ')} |`),
    ...(notes.length > 0 ? ['', ...notes.map((n) => `- ${n}`)] : []),
  ].filter((l, i) => i > 0 || l !== '').join('\n');
}

/** Rounds to `digits` significant digits (keeps small ratios and large ns readable). */
export function sig(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/** "✓" or "✗". */
export const mark = (ok) => (ok ? '✓' : '✗');
