/**
 * dbt's config precedence and merge rules: later sources override earlier ones key by key,
 * except `tags` (accumulated, deduplicated), `meta` (merged) and hooks (accumulated). Also reads the config tree of
 * dbt_project.yml (`models:` / `seeds:` / `data_tests:` keyed by project name, then folders).
 */

/** Config keys dbt recognises without a `+` prefix inside dbt_project.yml folder trees. */
const KNOWN_CONFIG_KEYS = new Set([
  'enabled', 'materialized', 'schema', 'alias', 'database', 'tags', 'meta', 'unique_key', 'incremental_strategy',
  'partition_by', 'cluster_by', 'on_schema_change', 'column_types', 'full_refresh', 'severity', 'warn_if', 'error_if',
  'where', 'limit', 'store_failures', 'store_failures_as', 'pre-hook', 'post-hook', 'pre_hook', 'post_hook', 'persist_docs', 'docs',
  'quote_columns', 'delimiter', 'grants', 'contract', 'access', 'group', 'labels', 'sql_header', 'fail_calc',
]);

/** Normalises `tags` (a string or list) to a list of strings. */
export function asTags(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** The hook keys, as dbt spells them in yml (`post-hook`) and in `config(post_hook=...)`, by the one kept. */
const HOOK_KEYS: Readonly<Record<string, 'pre-hook' | 'post-hook'>> = { 'pre-hook': 'pre-hook', pre_hook: 'pre-hook', 'post-hook': 'post-hook', post_hook: 'post-hook' };

/** Every spelling of the hook keys. */
export const HOOK_CONFIG_KEYS: ReadonlySet<string> = new Set(Object.keys(HOOK_KEYS));

/** A hook config value (a statement, a `{sql: ...}` mapping, or a list of them) as a list. */
function asHookList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Merges config layers in precedence order (first lowest). Returns a new object. Hooks
 * accumulate, outer layers' first, under `pre-hook` / `post-hook`, as dbt's do.
 */
export function mergeConfig(...layers: readonly (Readonly<Record<string, unknown>> | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [rawKey, v] of Object.entries(layer)) {
      const k = rawKey.startsWith('+') ? rawKey.slice(1) : rawKey;
      const hook = HOOK_KEYS[k];
      if (hook) out[hook] = [...asHookList(out[hook]), ...asHookList(v)];
      else if (k === 'tags') out.tags = [...new Set([...asTags(out.tags), ...asTags(v)])];
      else if (k === 'meta' && typeof v === 'object' && v !== null && !Array.isArray(v)) out.meta = { ...((out.meta as object) ?? {}), ...v };
      else out[k] = v;
    }
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The config keys of one level of a dbt_project.yml tree (`+key`, or a known key with a scalar/list). */
function levelConfig(level: Record<string, unknown>, childNames: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(level)) {
    if (k.startsWith('+')) out[k.slice(1)] = v;
    else if (!childNames.has(k) && (KNOWN_CONFIG_KEYS.has(k) || !isObj(v))) out[k] = v;
  }
  return out;
}

/**
 * The layers of config a dbt_project.yml tree gives a node with this fqn (`[project, ...folders,
 * name]`), outermost first: the tree's top level, the project's level, then each folder and the
 * node's own name. Merge them with mergeConfig.
 */
export function treeConfigLayers(tree: unknown, fqn: readonly string[]): Record<string, unknown>[] {
  if (!isObj(tree)) return [];
  const layers: Record<string, unknown>[] = [levelConfig(tree, new Set(fqn.slice(0, 1)))];
  let level: unknown = tree;
  for (let i = 0; i < fqn.length; i++) {
    if (!isObj(level)) break;
    const next = level[fqn[i] as string];
    if (!isObj(next)) break;
    layers.push(levelConfig(next, new Set(fqn.slice(i + 1, i + 2))));
    level = next;
  }
  return layers;
}

/**
 * The folder paths of a dbt_project.yml config tree (`models:`, `seeds:`) that apply to none of
 * the nodes with these fqns (dbt's "unused configuration paths"), each as its keys from the tree's
 * top: a misspelt folder or name, whose configs silently apply to nothing.
 */
export function unusedConfigPaths(tree: unknown, fqns: readonly (readonly string[])[]): string[][] {
  const unused: string[][] = [];
  const walk = (level: unknown, path: string[]): void => {
    if (!isObj(level)) return;
    for (const [k, v] of Object.entries(level)) {
      if (k.startsWith('+') || !isObj(v) || KNOWN_CONFIG_KEYS.has(k)) continue;
      const p = [...path, k];
      if (fqns.some((f) => p.every((x, i) => f[i] === x))) walk(v, p);
      else unused.push(p);
    }
  };
  walk(tree, []);
  return unused;
}
