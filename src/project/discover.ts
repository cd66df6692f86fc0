/** Finds a project's files: every file with given extensions under some folders, sorted. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A file found under one of the project's folders. */
export interface FoundFile {
  readonly absPath: string;
  /** Relative to the project root, `/`-separated (dbt's original_file_path). */
  readonly relPath: string;
  /** Relative to the folder it was found under (dbt's `path`). */
  readonly pathInFolder: string;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
}

/** Lists files ending in one of `exts` under each of `folders` (relative to `root`); missing folders are skipped. */
export function findFiles(root: string, folders: readonly string[], exts: readonly string[]): FoundFile[] {
  const out: FoundFile[] = [];
  for (const folder of folders) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    const files: string[] = [];
    walk(dir, files);
    for (const f of files) {
      if (!exts.some((e) => f.endsWith(e))) continue;
      out.push({ absPath: f, relPath: relative(root, f).split(sep).join('/'), pathInFolder: relative(dir, f).split(sep).join('/') });
    }
  }
  return out;
}

/** dbt's fqn of a file: `[project, ...folders, name]`. */
export function fqnOf(project: string, pathInFolder: string, name: string): string[] {
  const dirs = pathInFolder.split('/').slice(0, -1);
  return [project, ...dirs, name];
}

/** The 1-based line of the first occurrence of `needle` in `text` (1 when absent). */
export function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : text.slice(0, i).split('\n').length;
}
