/**
 * Validates a merged config and fills dbt's defaults, producing the typed NodeConfig. Errors
 * name the file that set the bad value.
 */
import { ConfigError, type SourceLocation } from '../errors.js';
import { asTags } from './configMerge.js';
import type { NodeConfig, PartitionByConfig } from './types.js';

const MATERIALIZED = ['view', 'table', 'incremental', 'ephemeral'];
const STRATEGIES = ['append', 'delete+insert', 'insert_overwrite', 'merge'];
const PART_TYPES = ['date', 'timestamp', 'datetime', 'int64'];
const GRANULARITY = ['hour', 'day', 'month', 'year'];

function partitionBy(v: unknown, loc: SourceLocation): PartitionByConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || typeof (v as { field?: unknown }).field !== 'string') {
    throw new ConfigError("partition_by must be a mapping with field: (and data_type:, granularity:)", configKey(loc, 'partition_by'));
  }
  const p = v as Record<string, unknown>;
  const dataType = String(p.data_type ?? 'date').toLowerCase();
  if (!PART_TYPES.includes(dataType)) throw new ConfigError(`partition_by.data_type must be one of ${PART_TYPES.join(', ')}, got '${dataType}'`, configKey(loc, 'partition_by.data_type'));
  const granularity = String(p.granularity ?? 'day').toLowerCase();
  if (!GRANULARITY.includes(granularity)) throw new ConfigError(`partition_by.granularity must be one of ${GRANULARITY.join(', ')}, got '${granularity}'`, configKey(loc, 'partition_by.granularity'));
  return { ...p, field: p.field as string, data_type: dataType as PartitionByConfig['data_type'], granularity: granularity as PartitionByConfig['granularity'] };
}

/** `loc` with the key of config `key` under the entry it names (`models[0].data_tests[1].severity`), or `key` alone. */
function configKey(loc: SourceLocation, key: string): SourceLocation {
  return { ...loc, key: loc.key ? `${loc.key}.${key}` : key };
}

/** Turns a merged config of a node of `kind` into a NodeConfig. Throws ConfigError at `loc`. */
export function finalizeConfig(merged: Record<string, unknown>, kind: 'model' | 'seed' | 'snapshot' | 'test' | 'source', loc: SourceLocation): NodeConfig {
  const c: Record<string, unknown> = { ...merged };
  c.enabled = c.enabled === undefined ? true : c.enabled === true || String(c.enabled).toLowerCase() === 'true';
  c.tags = asTags(c.tags);
  if (kind === 'model') {
    const m = String(c.materialized ?? 'view');
    if (!MATERIALIZED.includes(m)) throw new ConfigError(`materialized must be one of ${MATERIALIZED.join(', ')}, got '${m}'`, configKey(loc, 'materialized'));
    c.materialized = m;
    if (c.incremental_strategy !== undefined) {
      const s = String(c.incremental_strategy);
      if (!STRATEGIES.includes(s)) throw new ConfigError(`incremental_strategy must be one of ${STRATEGIES.join(', ')}, got '${s}'`, configKey(loc, 'incremental_strategy'));
    }
    const p = partitionBy(c.partition_by, loc);
    if (p) c.partition_by = p;
    else delete c.partition_by;
    // dbt's ModelConfig validation: an incremental model with an enforced contract must say what a
    // schema change does, and neither ignore it nor sync it
    const contract = c.contract;
    if (m === 'incremental' && typeof contract === 'object' && contract !== null && (contract as { enforced?: unknown }).enforced === true) {
      const change = String(c.on_schema_change ?? 'ignore');
      if (change !== 'append_new_columns' && change !== 'fail') {
        throw new ConfigError(`on_schema_change is '${change}': an incremental model with an enforced contract must set on_schema_change to 'append_new_columns' or 'fail', as dbt requires`, configKey(loc, 'on_schema_change'));
      }
    }
  } else if (kind === 'snapshot') {
    c.materialized = 'snapshot';
    if (c.enabled) snapshotConfig(c, loc);
  } else {
    c.materialized = kind === 'seed' ? 'seed' : kind === 'test' ? 'test' : c.materialized;
  }
  if (kind === 'test') {
    const sev = String(c.severity ?? 'error').toLowerCase();
    if (sev !== 'error' && sev !== 'warn') throw new ConfigError(`severity must be error or warn, got '${sev}'`, configKey(loc, 'severity'));
    c.severity = sev;
    c.warn_if ??= '!= 0';
    c.error_if ??= '!= 0';
    if (c.limit !== undefined && c.limit !== null) c.limit = Number(c.limit);
    // dbt's TestConfig.finalize_and_validate: store_failures_as, when set, decides store_failures
    const as = storeFailuresAs(c);
    if (as !== undefined) {
      c.store_failures_as = as;
      c.store_failures = as !== 'ephemeral';
    }
  }
  return c as NodeConfig;
}

/** The columns dbt adds to a snapshot table, by their default names (snapshot_meta_column_names renames them). */
export const SNAPSHOT_META_COLUMNS = ['dbt_valid_to', 'dbt_valid_from', 'dbt_scd_id', 'dbt_updated_at', 'dbt_is_deleted'] as const;

/**
 * Checks a snapshot's configs as dbt does at parse time: a strategy (timestamp, with updated_at; or
 * check, with check_cols), a unique_key, and valid hard-delete and column-name settings.
 */
function snapshotConfig(c: Record<string, unknown>, loc: SourceLocation): void {
  const isNames = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '');
  if (c.strategy === undefined || c.strategy === null) throw new ConfigError("a snapshot needs a strategy: 'timestamp' (with updated_at) or 'check' (with check_cols)", configKey(loc, 'strategy'));
  if (c.strategy !== 'timestamp' && c.strategy !== 'check') throw new ConfigError(`strategy must be 'timestamp' or 'check', got '${String(c.strategy)}' (Stratum has no custom snapshot strategies)`, configKey(loc, 'strategy'));
  if (!(typeof c.unique_key === 'string' && c.unique_key !== '') && !isNames(c.unique_key)) throw new ConfigError('a snapshot needs a unique_key: a column (or expression), or a list of them', configKey(loc, 'unique_key'));
  if (c.strategy === 'timestamp' && !(typeof c.updated_at === 'string' && c.updated_at !== '')) throw new ConfigError("the timestamp strategy needs updated_at: the column that says when a row last changed", configKey(loc, 'updated_at'));
  if (c.strategy === 'check' && c.check_cols !== 'all' && !isNames(c.check_cols)) throw new ConfigError("the check strategy needs check_cols: 'all' or a list of columns", configKey(loc, 'check_cols'));
  const hard = c.hard_deletes;
  if (hard !== undefined && hard !== null && !['ignore', 'invalidate', 'new_record'].includes(String(hard))) throw new ConfigError(`hard_deletes must be 'ignore', 'invalidate' or 'new_record', got '${String(hard)}'`, configKey(loc, 'hard_deletes'));
  if (c.invalidate_hard_deletes !== undefined && c.invalidate_hard_deletes !== null && hard !== undefined && hard !== null) {
    throw new ConfigError('set hard_deletes or invalidate_hard_deletes, not both (dbt refuses the two together)', configKey(loc, 'hard_deletes'));
  }
  const names = c.snapshot_meta_column_names;
  if (names !== undefined && names !== null) {
    if (typeof names !== 'object' || Array.isArray(names)) throw new ConfigError('snapshot_meta_column_names must be a mapping of dbt column to name', configKey(loc, 'snapshot_meta_column_names'));
    for (const [k, v] of Object.entries(names)) {
      if (!(SNAPSHOT_META_COLUMNS as readonly string[]).includes(k)) throw new ConfigError(`snapshot_meta_column_names has no column '${k}' (it names ${SNAPSHOT_META_COLUMNS.join(', ')})`, configKey(loc, `snapshot_meta_column_names.${k}`));
      if (v !== null && typeof v !== 'string') throw new ConfigError(`snapshot_meta_column_names.${k} must be a column name`, configKey(loc, `snapshot_meta_column_names.${k}`));
    }
  }
  if (c.dbt_valid_to_current !== undefined && c.dbt_valid_to_current !== null && typeof c.dbt_valid_to_current !== 'string') {
    throw new ConfigError("dbt_valid_to_current must be a SQL expression, e.g. \"'9999-12-31'::timestamp\"", configKey(loc, 'dbt_valid_to_current'));
  }
}

/**
 * What a test's failing rows are stored as, by dbt's rules: `store_failures_as` wins when set
 * (`table`, `view`, or `ephemeral` for not at all; another value is returned as written, for the
 * test to refuse); otherwise `store_failures: true` means `table`. Undefined when nothing is set.
 */
export function storeFailuresAs(config: Readonly<Record<string, unknown>>): string | undefined {
  const as = config.store_failures_as;
  if (as !== undefined && as !== null) return String(as);
  if (config.store_failures === undefined || config.store_failures === null) return undefined;
  return config.store_failures === true || String(config.store_failures).toLowerCase() === 'true' ? 'table' : 'ephemeral';
}

/** dbt's `should_full_refresh()`: a node's `full_refresh` config wins over the `--full-refresh` flag. */
export function shouldFullRefresh(config: NodeConfig, flag: boolean | undefined): boolean {
  return typeof config.full_refresh === 'boolean' ? config.full_refresh : flag === true;
}
