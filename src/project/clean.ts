/**
 * `stratum clean`, as `dbt clean`: deletes the folders dbt_project.yml lists under `clean-targets`
 * (by default the target path). Like dbt 1.10, it refuses, before deleting anything, a folder
 * outside the project (the project folder itself included) unless told otherwise, and any of the
 * project's source folders (models, seeds, macros, tests, snapshots, analyses) or a folder holding one.
 */
import { rmSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { readProjectFile } from './projectFile.js';

export interface CleanOptions {
  /** The project folder (default: the working directory). */
  readonly projectDir?: string;
  /** Refuse folders outside the project (dbt's --clean-project-files-only, its default). */
  readonly projectFilesOnly?: boolean;
  /** Called before and after each folder is deleted. */
  readonly onPath?: (phase: 'checking' | 'cleaned', path: string) => void;
}

/** Whether `inner` is `outer` or inside it (absolute paths). */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Deletes the project's clean targets and returns their absolute paths, in the order listed.
 * Throws ConfigError naming `clean-targets` in dbt_project.yml, before deleting anything, when one
 * of them may not be cleaned.
 */
export function cleanProject(opts: CleanOptions = {}): string[] {
  const root = resolve(opts.projectDir ?? '.');
  const settings = readProjectFile(root);
  const targets = settings.cleanTargets.map((t) => resolve(root, t));
  const key = ['clean-targets'];
  const sources = [...settings.paths.model, ...settings.paths.seed, ...settings.paths.macro, ...settings.paths.test, ...settings.snapshotPaths, ...settings.analysisPaths]
    .map((p) => resolve(root, p));
  const protectedOnes = targets.filter((t) => sources.some((s) => within(s, t)));
  if (protectedOnes.length > 0) throw settings.file.error(`will not clean the project's source folders (or a folder holding one): ${protectedOnes.join(', ')}`, key);
  if (opts.projectFilesOnly !== false) {
    const outside = targets.filter((t) => t === root || !within(t, root));
    if (outside.length > 0) {
      throw settings.file.error(`will not clean folders outside the project: ${outside.join(', ')} (--no-clean-project-files-only allows it)`, key);
    }
  }
  for (const t of targets) {
    opts.onPath?.('checking', t);
    rmSync(t, { recursive: true, force: true });
    opts.onPath?.('cleaned', t);
  }
  return targets;
}
