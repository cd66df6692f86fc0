/**
 * run_results.json and sources.json against what dbt-core 1.10 + dbt-duckdb 1.10.1 write: the
 * expected values were read from dbt's own artifacts of the same runs, so these run without dbt.
 */
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/project/load.js';
import { runResultsArtifact, type RunResultEntry } from '../../src/run/runResults.js';
import type { FreshnessOutcome } from '../../src/run/sourceFreshness.js';
import { freshnessArtifact } from '../../src/run/sourcesArtifact.js';
import { FIXTURE } from '../project/helpers.js';

const T0 = '2024-01-03T10:00:00.100Z';
const T1 = '2024-01-03T10:00:00.250Z';
const entry = (e: Partial<RunResultEntry> & Pick<RunResultEntry, 'unique_id' | 'status'>): RunResultEntry => ({
  timing: [], thread_id: 'Thread-1 (worker)', execution_time: 0.1, adapter_response: {}, message: null, failures: null, compiled: false,
  compiled_code: null, relation_name: null, batch_results: null, ...e,
});

describe('run_results.json', () => {
  const seed = entry({
    unique_id: 'seed.demo.people', status: 'success', timing: [{ name: 'execute', started_at: T0, completed_at: T1 }],
    adapter_response: { _message: 'INSERT 3', code: 'INSERT', rows_affected: 3 }, message: 'INSERT', relation_name: '"db"."main"."people"',
  });
  const model = entry({
    unique_id: 'model.demo.ok', status: 'success', compiled: true, compiled_code: 'select 1', relation_name: '"db"."main"."ok"',
    timing: [{ name: 'compile', started_at: T0, completed_at: T0 }, { name: 'execute', started_at: T0, completed_at: T1 }],
    adapter_response: { _message: 'CREATE TABLE 8', code: 'CREATE TABLE', rows_affected: 8 }, message: 'CREATE TABLE',
  });
  const test = entry({ unique_id: 'test.demo.unique_ok_id.f6dce0ddef', status: 'fail', compiled: true, compiled_code: 'select 1', failures: 1, message: 'Got 1 result, configured to fail if != 0', adapter_response: { _message: 'SELECT', code: 'SELECT' } });
  const skipped = entry({ unique_id: 'model.demo.child', status: 'skipped', message: 'skipped: depends on model.demo.bad, which did not succeed' });
  const artifact = runResultsArtifact('inv-1', [seed, model, test, skipped], 2.5, { which: 'build' }, { adapterType: 'duckdb' });
  const [s, m, t, k] = artifact.results;

  it('has dbt\'s metadata: generated_at and invocation_started_at with microseconds', () => {
    expect(artifact.metadata.generated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(artifact.metadata.invocation_started_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(Date.parse(artifact.metadata.generated_at) - Date.parse(artifact.metadata.invocation_started_at!)).toBe(2500);
  });

  it('writes results in dbt\'s key order and timestamps', () => {
    expect(Object.keys(m!)).toEqual(['status', 'timing', 'thread_id', 'execution_time', 'adapter_response', 'message', 'failures', 'unique_id', 'compiled', 'compiled_code', 'relation_name', 'batch_results']);
    expect(m!.timing[1]).toEqual({ name: 'execute', started_at: '2024-01-03T10:00:00.100000Z', completed_at: '2024-01-03T10:00:00.250000Z' });
  });

  it('seeds: message as the adapter response, a compile step, no relation_name or compiled', () => {
    expect(s).toMatchObject({ message: 'INSERT 3', adapter_response: { _message: 'INSERT 3', code: 'INSERT', rows_affected: 3 }, relation_name: null, compiled: null, compiled_code: null });
    expect(s!.timing.map((x) => x.name)).toEqual(['compile', 'execute']);
  });

  it('models and tests: dbt-duckdb\'s adapter_response {_message: OK}, model message OK', () => {
    expect(m).toMatchObject({ adapter_response: { _message: 'OK' }, message: 'OK' });
    expect(t).toMatchObject({ adapter_response: { _message: 'OK' }, message: 'Got 1 result, configured to fail if != 0', failures: 1, status: 'fail' });
  });

  it('skipped nodes have no message', () => {
    expect(k).toMatchObject({ status: 'skipped', message: null, adapter_response: {}, timing: [] });
  });
});

describe('sources.json', () => {
  const project = loadProject({ projectDir: FIXTURE, env: {} });
  const outcome: FreshnessOutcome = {
    status: 'warn', timing: [{ name: 'execute', started_at: T0, completed_at: T1 }], maxLoadedAt: '2024-01-02 19:40:00', snapshottedAt: '2024-01-03T00:00:00.000Z',
    ageSeconds: 15600, criteria: { warn_after: { count: 1, period: 'day' }, error_after: { count: 36500, period: 'day' } },
  };
  const artifact = freshnessArtifact('inv-1', project, [
    { id: 'source.jaffle.shop.orders', outcome },
    { id: 'source.jaffle.shop.customers', outcome: undefined, error: 'boom' },
  ], 0.5) as { metadata: Record<string, string>; results: Record<string, unknown>[] };

  it('writes max_loaded_at and snapshotted_at as Python isoformat in UTC', () => {
    expect(artifact.results[0]).toMatchObject({ max_loaded_at: '2024-01-02T19:40:00+00:00', snapshotted_at: '2024-01-03T00:00:00+00:00', max_loaded_at_time_ago_in_s: 15600 });
  });

  it('has dbt-duckdb\'s adapter_response, compile and execute timing and a real execution_time', () => {
    expect(artifact.results[0]!.adapter_response).toEqual({ _message: 'OK' });
    expect((artifact.results[0]!.timing as { name: string }[]).map((x) => x.name)).toEqual(['compile', 'execute']);
    expect(artifact.results[0]!.execution_time).toBeCloseTo(0.15, 5);
    expect(artifact.metadata.generated_at).toMatch(/\.\d{6}Z$/);
    expect(artifact.metadata.invocation_started_at).toMatch(/\.\d{6}Z$/);
  });

  it('a runtime error has dbt\'s fields only', () => {
    expect(artifact.results[1]).toEqual({ unique_id: 'source.jaffle.shop.customers', error: 'boom', status: 'runtime error' });
  });
});
