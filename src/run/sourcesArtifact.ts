/**
 * target/sources.json, dbt's artifact of `source freshness`: per source its max_loaded_at,
 * snapshotted_at, age in seconds, status and criteria.
 */
import type { Project } from '../project/types.js';
import { ARTIFACT_DBT_VERSION } from '../project/jinja/dbtContext.js';
import type { FreshnessOutcome } from './sourceFreshness.js';

/** Builds the sources.json artifact from freshness outcomes (undefined outcome = runtime error). */
export function freshnessArtifact(
  invocationId: string,
  project: Project,
  checks: readonly { id: string; outcome: FreshnessOutcome | undefined; error?: string }[],
  elapsed: number,
): unknown {
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/sources/v3.json',
      dbt_version: ARTIFACT_DBT_VERSION,
      generated_at: new Date().toISOString(),
      invocation_id: invocationId,
      env: {},
    },
    results: checks.map(({ id, outcome, error }) =>
      outcome
        ? {
            unique_id: id,
            max_loaded_at: outcome.maxLoadedAt ?? null,
            snapshotted_at: outcome.snapshottedAt,
            max_loaded_at_time_ago_in_s: outcome.ageSeconds ?? null,
            status: outcome.status,
            criteria: { warn_after: outcome.criteria.warn_after ?? {}, error_after: outcome.criteria.error_after ?? {}, filter: outcome.criteria.filter ?? null },
            adapter_response: {},
            timing: outcome.timing,
            thread_id: 'Thread-1 (worker)',
            execution_time: 0,
          }
        : { unique_id: id, status: 'runtime error', error: error ?? 'unknown error', relation_name: project.nodes.get(id)?.name },
    ),
    elapsed_time: elapsed,
  };
}
