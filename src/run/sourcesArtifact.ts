/**
 * target/sources.json, dbt's artifact of `source freshness`: per source its max_loaded_at,
 * snapshotted_at, age in seconds, status and criteria.
 */
import { dbtTimestamp, pyIsoformatUtc } from '../project/artifactTime.js';
import { ARTIFACT_DBT_VERSION } from '../project/jinja/dbtContext.js';
import type { Project } from '../project/types.js';
import type { TimingEntry } from './events.js';
import type { FreshnessOutcome } from './sourceFreshness.js';

/** A freshness check's timing as dbt writes it: a compile step (no time: the query needs no compiling) before execute. */
function freshnessTiming(timing: readonly TimingEntry[]): TimingEntry[] {
  const out = timing.map((t) => ({ ...t, started_at: dbtTimestamp(t.started_at), completed_at: dbtTimestamp(t.completed_at) }));
  if (out.length > 0 && !out.some((t) => t.name === 'compile')) out.unshift({ name: 'compile', started_at: out[0]!.started_at, completed_at: out[0]!.started_at });
  return out;
}

/** Seconds from the first timing step's start to the last one's end. */
function timingSpan(timing: readonly TimingEntry[]): number {
  if (timing.length === 0) return 0;
  return (Date.parse(timing[timing.length - 1]!.completed_at) - Date.parse(timing[0]!.started_at)) / 1000;
}

/**
 * Builds the sources.json artifact from freshness outcomes (undefined outcome = runtime error), as
 * dbt writes it: times as Python's UTC isoformat (`2024-01-02T19:40:00+00:00`), dbt-duckdb's
 * adapter_response on DuckDB, and for a runtime error only unique_id, error and status.
 */
export function freshnessArtifact(
  invocationId: string,
  project: Project,
  checks: readonly { id: string; outcome: FreshnessOutcome | undefined; error?: string }[],
  elapsed: number,
): unknown {
  const now = new Date();
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/sources/v3.json',
      dbt_version: ARTIFACT_DBT_VERSION,
      generated_at: dbtTimestamp(now),
      invocation_id: invocationId,
      invocation_started_at: dbtTimestamp(new Date(now.getTime() - Math.round(elapsed * 1000))),
      env: {},
    },
    results: checks.map(({ id, outcome, error }) =>
      outcome
        ? {
            unique_id: id,
            max_loaded_at: outcome.maxLoadedAt === undefined ? null : pyIsoformatUtc(outcome.maxLoadedAt),
            snapshotted_at: pyIsoformatUtc(outcome.snapshottedAt),
            max_loaded_at_time_ago_in_s: outcome.ageSeconds ?? null,
            status: outcome.status,
            criteria: { warn_after: outcome.criteria.warn_after ?? {}, error_after: outcome.criteria.error_after ?? {}, filter: outcome.criteria.filter ?? null },
            adapter_response: project.target.type === 'duckdb' ? { _message: 'OK' } : {},
            timing: freshnessTiming(outcome.timing),
            thread_id: 'Thread-1 (worker)',
            execution_time: timingSpan(outcome.timing),
          }
        : { unique_id: id, error: error ?? 'unknown error', status: 'runtime error' },
    ),
    elapsed_time: elapsed,
  };
}
