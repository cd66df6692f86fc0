/**
 * Reads dbt's profiles.yml: `<profile>: {target: dev, outputs: {dev: {type: duckdb, ...}}}`.
 * Values are Jinja-rendered (`env_var`). A relative DuckDB `path` is resolved from the working
 * directory, as dbt-duckdb does. Errors are ConfigError with file, line and key.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ProfileTarget } from './types.js';
import { isRecord, YamlFile } from './yamlFile.js';
import { renderYamlValue, type YamlTemplateScope } from './yamlTemplating.js';

/** Where to look for profiles.yml: the given dir, `DBT_PROFILES_DIR`, the project dir, the cwd, `~/.dbt`. */
export function findProfilesFile(opts: { profilesDir?: string; projectDir: string; env: Readonly<Record<string, string | undefined>> }): string {
  if (opts.profilesDir) {
    const f = join(resolve(opts.profilesDir), 'profiles.yml');
    if (!existsSync(f)) throw new ConfigError(`no profiles.yml in --profiles-dir ${opts.profilesDir}`, { file: f });
    return f;
  }
  const dirs = [...new Set([opts.env.DBT_PROFILES_DIR, opts.projectDir, process.cwd(), join(homedir(), '.dbt')].filter((d): d is string => !!d).map((d) => resolve(d)))];
  for (const d of dirs) {
    const f = join(d, 'profiles.yml');
    if (existsSync(f)) return f;
  }
  throw new ConfigError(`profiles.yml not found (looked in ${dirs.join(', ')}); pass --profiles-dir`);
}

const DUCKDB_KEYS = new Set(['type', 'path', 'schema', 'database', 'threads', 'settings']);
const BIGQUERY_KEYS = new Set(['type', 'project', 'dataset', 'schema', 'database', 'location', 'method', 'keyfile', 'threads']);

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/**
 * Reads the target `targetName` (default: the profile's `target:`, else `dev`) of `profileName`.
 * `cwd` resolves relative DuckDB paths. Throws ConfigError naming file/line/key for a missing
 * profile or output, an unknown `type`, or a missing required field.
 */
export function loadProfileTarget(file: string, profileName: string, targetName: string | undefined, scope: YamlTemplateScope, cwd = process.cwd()): ProfileTarget {
  const display = relative(cwd, file) || file;
  const yf = YamlFile.read(file, display.startsWith('..') ? file : display, undefined, 'pyyaml');
  const root = yf.data;
  if (!isRecord(root)) throw yf.error('profiles.yml must be a mapping of profile names', []);
  const profile = root[profileName];
  if (!isRecord(profile)) throw yf.error(`profile '${profileName}' (named in dbt_project.yml) not found`, [profileName]);
  const outputs = profile.outputs;
  if (!isRecord(outputs)) throw yf.error(`profile '${profileName}' has no outputs:`, [profileName, 'outputs']);
  const name = targetName ?? (str(renderYamlValue(profile.target, scope, yf, [profileName, 'target'])) || 'dev');
  const rawOut = outputs[name];
  if (!isRecord(rawOut)) {
    throw yf.error(`target '${name}' not found in profile '${profileName}' (outputs: ${Object.keys(outputs).join(', ')})`, [profileName, 'outputs']);
  }
  const base = [profileName, 'outputs', name];
  const out = renderYamlValue(rawOut, scope, yf, base) as Record<string, unknown>;
  const threads = out.threads === undefined ? 1 : Number(out.threads);
  if (!Number.isInteger(threads) || threads < 1) throw yf.error(`threads must be a positive integer, got '${String(out.threads)}'`, [...base, 'threads']);
  const type = str(out.type);
  if (type === 'duckdb') {
    const rawPath = str(out.path) ?? ':memory:';
    const path = rawPath === ':memory:' || rawPath.startsWith('md:') || isAbsolute(rawPath) ? rawPath : resolve(cwd, rawPath);
    const database = str(out.database) ?? (rawPath === ':memory:' ? 'memory' : basename(rawPath, extname(rawPath)));
    const extra = Object.fromEntries(Object.entries(out).filter(([k]) => !DUCKDB_KEYS.has(k)));
    // dbt-duckdb's `settings:`, DuckDB settings given when the database opens
    let settings: Record<string, string> | undefined;
    if (out.settings !== undefined && out.settings !== null) {
      if (!isRecord(out.settings)) throw yf.error('settings must be a mapping of DuckDB settings (name: value)', [...base, 'settings']);
      settings = {};
      for (const [k, v] of Object.entries(out.settings)) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) throw yf.error(`settings.${k} must be a string, number or boolean`, [...base, 'settings', k]);
        settings[k] = String(v);
      }
    }
    return { name, type: 'duckdb', path, schema: str(out.schema) ?? 'main', database, threads, ...(settings ? { settings } : {}), extra };
  }
  if (type === 'bigquery') {
    const project = str(out.project ?? out.database);
    if (!project) throw yf.error('a bigquery target needs project:', [...base, 'project']);
    const dataset = str(out.dataset ?? out.schema);
    if (!dataset) throw yf.error('a bigquery target needs dataset:', [...base, 'dataset']);
    const method = str(out.method) ?? 'oauth';
    if (!['oauth', 'service-account', 'service-account-json', 'oauth-secrets'].includes(method)) {
      throw yf.error(`unknown bigquery method '${method}' (oauth, service-account, service-account-json, oauth-secrets)`, [...base, 'method']);
    }
    const extra = Object.fromEntries(Object.entries(out).filter(([k]) => !BIGQUERY_KEYS.has(k)));
    return {
      name, type: 'bigquery', project, dataset, schema: dataset, database: project, threads,
      method: method as ProfileTarget['method'],
      ...(out.location !== undefined ? { location: String(out.location) } : {}),
      ...(out.keyfile !== undefined ? { keyfile: String(out.keyfile) } : {}),
      extra,
    };
  }
  throw yf.error(`unsupported target type '${type ?? ''}' (Stratum supports duckdb and bigquery)`, [...base, 'type']);
}
