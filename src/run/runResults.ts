/**
 * target/run_results.json with dbt's field names (schema v6), so tools that read dbt's artifacts
 * read Stratum's too: `results[]` with unique_id, status, timing, thread_id, execution_time,
 * adapter_response {_message, code, rows_affected}, message, failures, compiled_code and
 * relation_name; `metadata`; `elapsed_time`; `args`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dbtTimestamp } from '../project/artifactTime.js';
import { ARTIFACT_DBT_VERSION } from '../project/jinja/dbtContext.js';
import type { NodeStatus, TimingEntry } from './events.js';

/** One entry of `results`, as dbt writes it. */
export interface RunResultEntry {
  readonly unique_id: string;
  readonly status: NodeStatus;
  readonly timing: readonly TimingEntry[];
  readonly thread_id: string;
  readonly execution_time: number;
  readonly adapter_response: { readonly _message?: string; readonly code?: string; readonly rows_affected?: number };
  readonly message: string | null;
  readonly failures: number | null;
  /** null for seeds, as dbt writes it. */
  readonly compiled: boolean | null;
  readonly compiled_code: string | null;
  readonly relation_name: string | null;
  readonly batch_results: null;
}

/** The whole artifact. */
export interface RunResultsArtifact {
  readonly metadata: {
    readonly dbt_schema_version: string;
    readonly dbt_version: string;
    readonly generated_at: string;
    readonly invocation_id: string;
    readonly invocation_started_at?: string;
    readonly env: Record<string, string>;
  };
  readonly results: readonly RunResultEntry[];
  readonly elapsed_time: number;
  readonly args: Readonly<Record<string, unknown>>;
}

/** Options of runResultsArtifact. */
export interface RunResultsOptions {
  /** The target's adapter (`duckdb`, `bigquery`): dbt-duckdb answers every statement with `{_message: 'OK'}`. */
  readonly adapterType?: string;
}

/**
 * One result as dbt writes it: dbt's key order and timestamps; seeds with their adapter message,
 * a compile step (nothing to compile: it takes no time) and no relation_name or compiled code;
 * models and tests on DuckDB with dbt-duckdb's adapter_response `{_message: 'OK'}` (a successful
 * model's message `OK`); skipped nodes without a message.
 */
function dbtResult(r: RunResultEntry, opts: RunResultsOptions): RunResultEntry {
  const kind = r.unique_id.split('.')[0];
  let timing = r.timing.map((t) => ({ ...t, started_at: dbtTimestamp(t.started_at), completed_at: dbtTimestamp(t.completed_at) }));
  let { adapter_response, message, compiled, compiled_code, relation_name } = r;
  if (kind === 'seed') {
    if (timing.length > 0 && !timing.some((t) => t.name === 'compile')) timing = [{ name: 'compile', started_at: timing[0]!.started_at, completed_at: timing[0]!.started_at }, ...timing];
    if (r.status === 'success' && adapter_response._message) message = adapter_response._message;
    compiled = null;
    compiled_code = null;
    relation_name = null;
  } else if (opts.adapterType === 'duckdb' && Object.keys(adapter_response).length > 0) {
    adapter_response = { _message: 'OK' };
    if (kind === 'model' && r.status === 'success') message = 'OK';
  }
  if (r.status === 'skipped') message = null;
  return {
    status: r.status, timing, thread_id: r.thread_id, execution_time: r.execution_time, adapter_response, message, failures: r.failures,
    unique_id: r.unique_id, compiled, compiled_code, relation_name, batch_results: r.batch_results,
  };
}

/** Builds the artifact from finished results; `elapsed` seconds is how long the invocation ran. */
export function runResultsArtifact(invocationId: string, results: readonly RunResultEntry[], elapsed: number, args: Readonly<Record<string, unknown>>, opts: RunResultsOptions = {}): RunResultsArtifact {
  const now = new Date();
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json',
      dbt_version: ARTIFACT_DBT_VERSION,
      generated_at: dbtTimestamp(now),
      invocation_id: invocationId,
      invocation_started_at: dbtTimestamp(new Date(now.getTime() - Math.round(elapsed * 1000))),
      env: {},
    },
    results: results.map((r) => dbtResult(r, opts)),
    elapsed_time: elapsed,
    args,
  };
}

/** Writes `<targetDir>/<name>` (default run_results.json) as pretty JSON, creating the directory. Returns the path. */
export async function writeArtifact(targetDir: string, artifact: unknown, name = 'run_results.json'): Promise<string> {
  await mkdir(targetDir, { recursive: true });
  const path = join(targetDir, name);
  await writeFile(path, JSON.stringify(artifact, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n');
  return path;
}
