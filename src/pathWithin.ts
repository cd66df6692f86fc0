/** Whether one absolute path is another or below it, by their names (no link is followed). */
import { isAbsolute, relative, sep } from 'node:path';

/**
 * Whether `inner` is `outer` or inside it (absolute paths): its path from `outer` does not climb
 * out (a first step `..`; a name that merely begins with two dots, `..cache`, stays inside).
 */
export function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}
