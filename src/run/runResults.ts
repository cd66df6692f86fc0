/**
 * target/run_results.json with dbt's field names (schema v6), so tools that read dbt's artifacts
 * read Stratum's too: `results[]` with unique_id, status, timing, thread_id, execution_time,
 * adapter_response {_message, code, rows_affected}, message, failures, compiled_code and
 * relation_name; `metadata`; `elapsed_time`; `args`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  readonly compiled: boolean;
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
    readonly env: Record<string, string>;
  };
  readonly results: readonly RunResultEntry[];
  readonly elapsed_time: number;
  readonly args: Readonly<Record<string, unknown>>;
}

/** Builds the artifact from finished results. */
export function runResultsArtifact(invocationId: string, results: readonly RunResultEntry[], elapsed: number, args: Readonly<Record<string, unknown>>): RunResultsArtifact {
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json',
      dbt_version: ARTIFACT_DBT_VERSION,
      generated_at: new Date().toISOString(),
      invocation_id: invocationId,
      env: {},
    },
    results,
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
