/**
 * Fitting the CLI's text to the terminal: help, progress lines and summaries are wrapped at spaces
 * (never inside a word or a number), continuation lines indented under their first.
 */

/**
 * The width to fit text written to `stream` to: the environment's COLUMNS when it is a positive
 * integer (`COLUMNS=120 stratum --help`, as `ls` and Python read it: the user's word over what is
 * detected, on a terminal or not), else the stream's columns when it is a terminal, else
 * `otherwise` (80 for help, read by people even through a pager; Infinity for output lines, which
 * a log or a pipe keeps whole). A COLUMNS that is no positive integer (`abc`, `0`, empty) is ignored.
 */
export function widthOf(stream: { isTTY?: boolean; columns?: number }, otherwise = 80, env: Readonly<Record<string, string | undefined>> = process.env): number {
  const columns = env.COLUMNS?.trim();
  if (columns && /^\d+$/.test(columns) && Number(columns) > 0 && Number.isSafeInteger(Number(columns))) return Number(columns);
  return stream.isTTY && stream.columns ? stream.columns : otherwise;
}

/**
 * Wraps one line of text at spaces so that no line is wider than `width`, continuation lines
 * indented by `indent` spaces. A word wider than a line is left whole. The line's own spaces
 * (its indent, a padded column) are kept; a break drops the spaces it falls on.
 */
export function wrapLine(line: string, width: number, indent = 0): string[] {
  if (line.length <= width) return [line];
  const lead = /^ */.exec(line)![0];
  // words and the spaces between them, as written (a padded column keeps its padding)
  const tokens = line.slice(lead.length).split(/( +)/);
  const out: string[] = [];
  let cur = lead;
  let fresh = true; // nothing but the indent on `cur` yet
  for (let i = 0; i < tokens.length; i += 2) {
    const sep = i > 0 ? tokens[i - 1] : '';
    if (!fresh && cur.length + sep.length + tokens[i].length > width) {
      out.push(cur);
      cur = ' '.repeat(indent);
      fresh = true;
    }
    cur += (fresh ? '' : sep) + tokens[i];
    fresh = false;
  }
  out.push(cur);
  return out;
}

/**
 * Wraps text of several lines: each paragraph of lines that start in the first column is joined
 * and wrapped as one; an indented line (an example command) is kept, and wrapped on its own
 * with its continuation two columns further in. Blank lines are kept.
 */
export function wrapText(text: string, width: number): string {
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(...wrapLine(para.join(' '), width));
    para = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith(' ')) {
      flush();
      out.push(...(line.trim() === '' ? [''] : wrapLine(line, width, /^ */.exec(line)![0].length + 2)));
    } else {
      para.push(line);
    }
  }
  flush();
  return out.join('\n');
}

/**
 * Two columns: each left cell padded to the widest, its right cell wrapped beside it; when the
 * right column would be narrower than 30, the right cell goes under its left one, 4 columns further
 * in than the left cell's text (a long flag padded to line up with `-q, --quiet` keeps its
 * description under it, not level with it).
 */
export function twoColumns(rows: readonly (readonly [string, string])[], width: number, indent = 2): string[] {
  const left = Math.max(...rows.map(([l]) => l.length)) + 2;
  const beside = width - indent - left >= 30;
  const out: string[] = [];
  for (const [l, r] of rows) {
    if (beside) {
      out.push(...wrapLine(`${' '.repeat(indent)}${l.padEnd(left)}${r}`, width, indent + left));
    } else {
      out.push(`${' '.repeat(indent)}${l}`);
      const under = indent + /^ */.exec(l)![0].length + 4;
      out.push(...wrapLine(`${' '.repeat(under)}${r}`, width, under));
    }
  }
  return out;
}
