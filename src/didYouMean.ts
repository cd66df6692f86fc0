/**
 * "Did you mean" for names a user typed: a command, a flag, a model. One helper, so every error
 * that names an unknown word suggests the same way.
 */

/** Edit distance (insertions, deletions, substitutions and swaps of neighbours) between a and b. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `word`, or undefined when none is close: a candidate that `word`
 * begins (`gen` for `generate`) when it is the only one, else the nearest within a third of the
 * word's length (at least 1 and at most 3 edits; none for a single letter). Case is ignored.
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  if (w === '') return undefined;
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(w));
  if (prefixed.length === 1) return prefixed[0];
  const limit = w.length < 2 ? 0 : Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const dist = editDistance(w, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}

/** `; did you mean 'X'?` for the candidate closest to `word`, or '' when none is close. */
export function didYouMean(word: string, candidates: readonly string[], quote: (c: string) => string = (c) => `'${c}'`): string {
  const c = closestName(word, candidates);
  return c === undefined ? '' : `; did you mean ${quote(c)}?`;
}
