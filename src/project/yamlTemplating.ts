/**
 * Renders the Jinja inside YAML values, as dbt does for profiles.yml, dbt_project.yml and
 * properties files: `"{{ env_var('DBT_PATH', 'dev.duckdb') }}"`, `"{{ var('x') }}"`,
 * `"{{ target.name }}"`. `env_var` and `var` are available, and `target` once the profile is read
 * (not in profiles.yml itself). Errors name the file, line and key.
 */
import { ConfigError } from '../errors.js';
import { createJinjaEnvironment, splitArgs } from './jinja/environment.js';
import type { KeyPath, YamlFile } from './yamlFile.js';

/** What YAML templates can read. */
export interface YamlTemplateScope {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly vars: Readonly<Record<string, unknown>>;
  /** The `target` object (dbtContext's targetObject), where the profile is known. */
  readonly target?: Readonly<Record<string, unknown>>;
}

let env: ReturnType<typeof createJinjaEnvironment> | undefined;

class MissingValue extends Error {}

/** Renders one string value; values without `{{`/`{%` are returned unchanged. */
export function renderYamlString(value: string, scope: YamlTemplateScope, file: YamlFile, path: KeyPath): string {
  if (!value.includes('{{') && !value.includes('{%')) return value;
  env ??= createJinjaEnvironment();
  let missing: string | undefined;
  const lookup = (kind: string, table: Readonly<Record<string, unknown>>) => (...raw: unknown[]) => {
    const { args } = splitArgs(raw);
    const name = String(args[0]);
    const v = table[name];
    if (v !== undefined) return v;
    if (args.length > 1) return args[1];
    missing = kind === 'env_var' ? `Env var required but not provided: '${name}'` : `Required var '${name}' not found in config`;
    throw new MissingValue(missing);
  };
  try {
    return env.renderString(value, { env_var: lookup('env_var', scope.env), var: lookup('var', scope.vars), ...(scope.target ? { target: scope.target } : {}) });
  } catch (e) {
    if (missing) throw file.error(missing, path);
    throw file.error(`cannot render template: ${(e as Error).message.split('\n').pop()?.trim() ?? ''}`, path);
  }
}

/**
 * Renders every string inside a YAML value (recursively), keeping key paths for errors. The value
 * of a mapping key for which `unrendered(key)` holds is kept as written (hooks, rendered later in
 * their node's context).
 */
export function renderYamlValue(value: unknown, scope: YamlTemplateScope, file: YamlFile, path: KeyPath, unrendered?: (key: string) => boolean): unknown {
  if (typeof value === 'string') return renderYamlString(value, scope, file, path);
  if (Array.isArray(value)) return value.map((v, i) => renderYamlValue(v, scope, file, [...path, i], unrendered));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unrendered?.(k) ? v : renderYamlValue(v, scope, file, [...path, k], unrendered);
    return out;
  }
  return value;
}

/** Re-export for callers that build ConfigErrors themselves. */
export { ConfigError };
