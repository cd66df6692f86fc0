/**
 * Reading a lake's small text files (manifests, the journal, the lock), with the file's path on
 * every error, so that the one-line message of a user-facing error can name it.
 */
import { readFileSync } from 'node:fs';

/** Reads a text file; an error without a path (EISDIR from `read`) gets the file's. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code && err.path === undefined) err.path = file;
    throw err;
  }
}
