/**
 * Proof against dbt: the jaffle fixture is built by Stratum's runner and by dbt-core +
 * dbt-duckdb into separate DuckDB files; every model and seed must have the same row count,
 * columns and order-independent checksum, and every test the same status. Then one more day of
 * raw data arrives and both run an incremental second pass, compared the same way. Skipped with
 * a printed reason where dbt is not installed.
 */
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import type { Project } from '../../src/project/types.js';
import type { RunResultsArtifact } from '../../src/run/runResults.js';
import { makeRaw } from '../fixtures/jaffle/make_raw.js';
import { dbtBuild, dbtEnv, hasDbt, stratumBuild, testStatuses, warnIfNoDbt } from '../twoEngines.js';
import { fingerprints } from './relationChecksums.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'jaffle');
warnIfNoDbt('dbt_parity');

let work: string;
let raw: string;
const env = () => dbtEnv({ JAFFLE_RAW_DIR: raw });

async function buildWithStratum(dir: string): Promise<Project> {
  return stratumBuild(dir, { ...env(), JAFFLE_DUCKDB_PATH: join(dir, 'jaffle.duckdb') });
}

function buildWithDbt(dir: string): void {
  dbtBuild(dir, { JAFFLE_RAW_DIR: raw, JAFFLE_DUCKDB_PATH: join(dir, 'jaffle.duckdb') });
}

function builtRelations(project: Project): { schema: string; name: string }[] {
  return [...project.nodes.values()]
    .filter((n) => (n.resourceType === 'model' && n.config.materialized !== 'ephemeral') || n.resourceType === 'seed')
    .map((n) => ({ schema: (n as { relation: { schema: string } }).relation.schema, name: (n as { relation: { identifier: string } }).relation.identifier }))
    .sort((a, b) => `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`));
}

async function compare(stratumDir: string, dbtDir: string, project: Project): Promise<void> {
  const relations = builtRelations(project);
  expect(relations.length).toBeGreaterThan(5);
  const ours = await fingerprints(join(stratumDir, 'jaffle.duckdb'), relations);
  const theirs = await fingerprints(join(dbtDir, 'jaffle.duckdb'), relations);
  expect(Object.values(theirs).filter((f) => f === 'missing')).toEqual([]);
  expect(ours).toEqual(theirs);
  const ourTests = await testStatuses(stratumDir);
  const dbtTests = await testStatuses(dbtDir);
  expect(Object.keys(dbtTests).length).toBeGreaterThan(5);
  expect(ourTests).toEqual(dbtTests);
}

/** A third arrival day: a new order, and late status changes of orders 5 and 8. */
async function arriveDayThree(): Promise<void> {
  const dir = join(raw, 'orders', 'dt=2024-01-03');
  await mkdir(dir, { recursive: true });
  const db = new DuckDBAdapter({ path: ':memory:' });
  await db.connect();
  try {
    const rows = `(9, 4, timestamp '2024-01-03 09:00:00', 'placed', 1200), (5, 5, timestamp '2024-01-02 08:45:00', 'shipped', 1700), (8, 2, timestamp '2024-01-02 19:40:00', 'completed', 2300)`;
    await db.execute(`copy (select * from (values ${rows}) as t(id, user_id, ordered_at, status, amount_cents) order by id) to '${join(dir, 'part-00000.parquet')}' (format parquet)`);
  } finally {
    await db.close();
  }
}

describe.skipIf(!hasDbt)('parity with dbt-core + dbt-duckdb on the jaffle fixture', () => {
  let stratumDir: string;
  let dbtDir: string;
  let project: Project;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'stratum-parity-'));
    raw = join(work, 'raw');
    await makeRaw(raw);
    stratumDir = join(work, 'stratum');
    dbtDir = join(work, 'dbt');
    for (const d of [stratumDir, dbtDir]) await cp(FIXTURE, d, { recursive: true, filter: (src) => !/[/\\](target|logs|raw)$/.test(src) && !src.endsWith('.duckdb') });
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('first build: same rows, checksums and test statuses', async () => {
    project = await buildWithStratum(stratumDir);
    buildWithDbt(dbtDir);
    await compare(stratumDir, dbtDir, project);
  });

  it('incremental second pass after a new arrival day: same again', async () => {
    const before = await fingerprints(join(stratumDir, 'jaffle.duckdb'), builtRelations(project));
    await arriveDayThree();
    project = await buildWithStratum(stratumDir);
    buildWithDbt(dbtDir);
    await compare(stratumDir, dbtDir, project);
    // the second pass really was incremental and really changed the incremental models
    const ours = JSON.parse(await readFile(join(stratumDir, 'target', 'run_results.json'), 'utf8')) as RunResultsArtifact;
    const incrementals = [...project.nodes.values()].filter((n) => n.resourceType === 'model' && n.config.materialized === 'incremental');
    expect(incrementals.length).toBeGreaterThan(0);
    // is_incremental() was true: each one's compiled SQL reads its own table ({{ this }}) for the cutoff
    // (the artifact's adapter_response is dbt-duckdb's plain {_message: 'OK'}, which does not say)
    for (const n of incrementals) expect(ours.results.find((r) => r.unique_id === n.uniqueId)?.compiled_code).toMatch(/\(select max\(\w+\) from /);
    const after = await fingerprints(join(stratumDir, 'jaffle.duckdb'), builtRelations(project));
    for (const n of incrementals) {
      const key = `${(n as { relation: { schema: string } }).relation.schema}.${n.name}`;
      expect(after[key]).not.toEqual(before[key]);
    }
  });
});
