/**
 * `source freshness`: for every source with a `freshness` policy and a `loaded_at_field`, reads
 * `max(loaded_at_field)` and compares its age with `warn_after`/`error_after` (dbt semantics:
 * error when older than error_after, else warn when older than warn_after, else pass; a query
 * failure is `runtime error`). The clock is `--now` when given, otherwise the newest `dt=`
 * partition date found in the sources' raw locations (its end: the next midnight UTC), so a
 * replayed or generated history is judged as of the day it last received data.
 */
import type { WarehouseAdapter } from '../engine/adapter.js';
import { quoteString } from '../engine/duckdb/quote.js';
import type { FreshnessRule, SourceNode } from '../project/types.js';
import { relationRef, timed, type NodeOutcome } from './runContext.js';

const PERIOD_SECONDS: Record<FreshnessRule['period'], number> = { minute: 60, hour: 3600, day: 86400 };

/** A threshold in seconds. */
export function ruleSeconds(rule: FreshnessRule): number {
  return rule.count * PERIOD_SECONDS[rule.period];
}

/** The SQL that reads a source: its external location (dbt-duckdb convention) or its relation. */
export function sourceSql(adapter: WarehouseAdapter, node: SourceNode): string {
  const loc = node.externalLocation?.trim();
  if (!loc) return adapter.relationName(relationRef(node.relation));
  if (/^[a-z_]+\s*\(/i.test(loc)) return loc;
  const reader = /\.csv(\.gz)?$/i.test(loc) ? 'read_csv' : /\.(jsonl?|ndjson)(\.gz)?$/i.test(loc) ? 'read_json_auto' : 'read_parquet';
  return `${reader}(${quoteString(loc)}, hive_partitioning = true, union_by_name = true)`;
}

/** The file glob inside a source's external location (`'...'` of a read_x call, or the location). */
function locationGlob(node: SourceNode): string | undefined {
  const loc = node.externalLocation?.trim();
  if (!loc) return undefined;
  const quoted = /'([^']+)'/.exec(loc);
  return quoted ? quoted[1] : loc;
}

/**
 * The default clock: the end of the newest `dt=YYYY-MM-DD` partition among the sources' files
 * (of a real date), or undefined when none has dt= partitions.
 */
export async function newestPartitionClock(adapter: WarehouseAdapter, sources: readonly SourceNode[]): Promise<Date | undefined> {
  let newest: string | undefined;
  for (const s of sources) {
    const glob = locationGlob(s);
    if (!glob) continue;
    // a folder named like a day that is none (`dt=2024-13-45`) is no partition of a day: as text it
    // would sort past every real one and give no clock
    const day = `try_cast(nullif(regexp_extract(file, 'dt=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1), '') as date)`;
    const res = await adapter.query(`select cast(max(${day}) as varchar) from glob(${quoteString(glob)})`).catch(() => undefined);
    const d = res?.rows[0]?.[0];
    if (typeof d === 'string' && d && (!newest || d > newest)) newest = d;
  }
  if (!newest) return undefined;
  return new Date(Date.parse(`${newest}T00:00:00Z`) + 86_400_000);
}

/** One source's freshness, with dbt's sources.json figures. */
export interface FreshnessOutcome extends NodeOutcome {
  readonly maxLoadedAt?: string;
  readonly snapshottedAt: string;
  readonly ageSeconds?: number;
  readonly criteria: { warn_after?: FreshnessRule; error_after?: FreshnessRule; filter?: string };
}

/** Checks one source against `now`. Query failures become status `error` with the message. */
export async function checkFreshness(adapter: WarehouseAdapter, node: SourceNode, now: Date, signal?: AbortSignal): Promise<FreshnessOutcome> {
  const policy = node.freshness ?? {};
  const criteria = { warn_after: policy.warn_after, error_after: policy.error_after, filter: policy.filter };
  const field = node.loadedAtField;
  const snapshottedAt = now.toISOString();
  if (!field) throw new Error(`source ${node.uniqueId} has no loaded_at_field`);
  const where = policy.filter ? ` where ${policy.filter}` : '';
  const sql = `select cast(max(${field}) as timestamp) as max_loaded_at, epoch(cast($now as timestamp) - cast(max(${field}) as timestamp)) as age from ${sourceSql(adapter, node)}${where}`;
  const { value, timing } = await timed('execute', () =>
    adapter.query(sql, { params: { now: snapshottedAt.replace('T', ' ').replace('Z', '') }, context: { node: node.uniqueId, file: node.originalFilePath, sql }, signal }),
  );
  const [maxLoadedAt, age] = value.rows[0] ?? [null, null];
  const ageSeconds = age === null || age === undefined ? undefined : Number(age);
  let status: FreshnessOutcome['status'] = 'pass';
  if (ageSeconds === undefined) status = policy.error_after ? 'error' : policy.warn_after ? 'warn' : 'pass';
  else if (policy.error_after && ageSeconds > ruleSeconds(policy.error_after)) status = 'error';
  else if (policy.warn_after && ageSeconds > ruleSeconds(policy.warn_after)) status = 'warn';
  const ago = ageSeconds === undefined ? 'no rows' : `${(ageSeconds / 3600).toFixed(1)}h old`;
  return {
    status,
    timing: [timing],
    failures: ageSeconds,
    message: status === 'pass' ? undefined : `max(${field}) = ${maxLoadedAt ?? 'null'}, ${ago} at ${snapshottedAt}`,
    maxLoadedAt: maxLoadedAt === null ? undefined : String(maxLoadedAt),
    snapshottedAt,
    ageSeconds,
    criteria,
    compiledCode: sql,
    relationName: sourceSql(adapter, node),
    materialization: 'freshness',
  };
}
