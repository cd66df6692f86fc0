/**
 * Snapshots (`{% snapshot %}` blocks) as dbt-core 1.10 with dbt-duckdb builds them: the same
 * scenario run by `stratum snapshot` gives the rows dbt gave (recorded in
 * test/fixtures/snapshots/dbt_rows.json, and compared with dbt live where it is installed), and the
 * command, build, ls and selection treat snapshots as dbt does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { queryFile } from '../duckdbFile.js';
import { onDuckDBFile, tempProject } from '../project/helpers.js';
import { dbtEnv, hasDbt, warnIfNoDbt } from '../twoEngines.js';
import { execFile, snapshotProject, snapshotRows, SOURCE_STEPS } from './snapshotScenario.js';

const DBT_ROWS = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/snapshots/dbt_rows.json'), 'utf8')) as unknown;
const plain = (out: string) => out.replace(/^\d\d:\d\d:\d\d {2}/gm, '');

/** Runs the scenario with `snapshot(db)` after each source step, then builds the model; returns the compared rows. */
async function scenario(db: string, snapshot: () => Promise<void>, build: () => Promise<void>) {
  for (const step of SOURCE_STEPS) {
    await execFile(db, step);
    await snapshot();
  }
  await build();
  return snapshotRows(db);
}

async function stratum(dir: string, db: string, ...args: string[]) {
  process.env.DB = db;
  try {
    return await cli(...args, '--project-dir', dir, '--profiles-dir', dir);
  } finally {
    delete process.env.DB;
  }
}

describe('snapshots, as dbt builds them', () => {
  it("give dbt's rows: timestamp and check strategies, hard deletes invalidated and as new records, a list key, a new source column, renamed meta columns, dbt_valid_to_current, a custom schema, a model over a snapshot", async () => {
    const dir = snapshotProject();
    const db = join(dir, 'stratum.duckdb');
    const rows = await scenario(db, async () => {
      const r = await stratum(dir, db, 'snapshot');
      expect(r.code, r.out + r.err).toBe(0);
    }, async () => {
      expect((await stratum(dir, db, 'run')).code).toBe(0);
    });
    expect(rows).toEqual(DBT_ROWS);
  }, 60_000);

  it.skipIf(!hasDbt)('give the rows dbt gives now (dbt run for real)', async () => {
    const dir = snapshotProject();
    const db = join(dir, 'dbt.duckdb');
    const dbt = (cmd: string) => {
      const r = spawnSync('dbt', [cmd, '--project-dir', dir, '--profiles-dir', dir], { cwd: dir, encoding: 'utf8', env: dbtEnv({ DB: db }), timeout: 300_000 });
      if (r.status !== 0) throw new Error(`dbt ${cmd} failed: ${r.stdout.slice(-2000)}${r.stderr}`);
    };
    expect(await scenario(db, async () => dbt('snapshot'), async () => dbt('run'))).toEqual(DBT_ROWS);
  }, 300_000);
  warnIfNoDbt('snapshots: dbt live');

  it("print dbt's lines; build runs a snapshot after its parents and before the models that read it; ls and resource_type:snapshot list it", async () => {
    const { dir, db, at } = onDuckDBFile({
      'models/base.sql': "select 1 as id, timestamp '2024-01-01' as updated_at\n",
      'models/after.sql': "select * from {{ ref('snap') }}\n",
      'snapshots/snap.sql': "{% snapshot snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('base') }}\n{% endsnapshot %}\n",
    });
    const b = await cli('build', ...at);
    expect(b.code, b.out).toBe(0);
    const lines = plain(b.out).split('\n');
    expect(lines[0]).toBe('Found 2 models, 1 snapshot');
    const order = lines.filter((l) => / START /.test(l)).map((l) => l.replace(/ \.+.*$/, ''));
    expect(order).toEqual(['1 of 3 START sql view model main.base', '2 of 3 START snapshot main.snap', '3 of 3 START sql view model main.after']);
    expect(lines.find((l) => l.startsWith('2 of 3 OK'))).toMatch(/^2 of 3 OK snapshotted main\.snap \.+ \[OK in \d+\.\d\ds\]$/);
    expect(plain(b.out)).toContain('Finished running 1 snapshot, 2 view models in');
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { unique_id: string; status: string; message: string }[] };
    expect(results.results.find((r) => r.unique_id === 'snapshot.demo.snap')).toMatchObject({ status: 'success', message: 'OK' });
    // a second run: nothing changed, nothing added
    expect((await cli('snapshot', ...at)).code).toBe(0);
    expect(await queryFile(db, 'select count(*) from main.snap')).toEqual([[1]]);
    expect((await cli('ls', ...at, '--resource-type', 'snapshot')).out).toBe('demo.snap.snap\n');
    // build --resource-type snapshot builds the snapshot alone, as its help says
    const onlySnap = await cli('build', ...at, '--resource-type', 'snapshot');
    expect(plain(onlySnap.out).split('\n').filter((l) => / START /.test(l)).map((l) => l.replace(/ \.+.*$/, ''))).toEqual(['1 of 1 START snapshot main.snap']);
    const help = (await cli('build', '--help')).out.replace(/\s+/g, ' ');
    expect(help).toMatch(/--resource-type TYPE Only nodes of these types: model, seed, snapshot, test /);
    expect((await cli('ls', ...at, '-s', 'resource_type:snapshot+')).out).toBe('demo.after\ndemo.snap.snap\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { resource_type: string; fqn: string[]; config: Record<string, unknown>; relation_name: string }> };
    expect(manifest.nodes['snapshot.demo.snap']).toMatchObject({ resource_type: 'snapshot', fqn: ['demo', 'snap', 'snap'], relation_name: '"w"."main"."snap"', config: { materialized: 'snapshot', strategy: 'timestamp', unique_key: 'id', hard_deletes: null } });
  });

  it("snapshots: entries in yml define snapshots of a relation (dbt 1.9's YAML snapshots) and describe and test {% snapshot %} blocks, as dbt names them", async () => {
    const { dir, db, at } = onDuckDBFile({
      'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n      - name: src\n',
      'snapshots/s.sql': "{% snapshot snap_ts %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from main.src\n{% endsnapshot %}\n",
      'snapshots/y.yml': "snapshots:\n  - name: snap_yaml\n    relation: source('raw', 'src')\n    config:\n      schema: hist\n      unique_key: id\n      strategy: timestamp\n      updated_at: updated_at\n  - name: snap_ts\n    description: the ts snapshot\n    columns:\n      - name: id\n        data_tests: [not_null]\n  - name: snap_nope\n    description: nothing\n",
    });
    await execFile(db, "create table src as select * from (values (1, 'a', timestamp '2024-01-01'), (2, 'b', timestamp '2024-01-01')) t(id, name, updated_at)");
    const b = await cli('build', ...at);
    expect(b.code, b.out + b.err).toBe(0);
    expect(b.err).toContain("snapshots/y.yml:14 (snapshots[2].name): no snapshot named 'snap_nope': its properties and tests apply to nothing");
    // dbt build of the same project: the same rows and scd ids, the same nodes and test id
    expect(await queryFile(db, 'select id, name, dbt_scd_id, dbt_valid_to from main_hist.snap_yaml order by id')).toEqual([[1, 'a', '8bd6037542377309505ab720e545f24e', null], [2, 'b', 'f8e4dcba7004839b9c5b44a77923cd0a', null]]);
    expect(plain(b.out)).toMatch(/START snapshot main_hist\.snap_yaml/);
    expect(plain(b.out)).toMatch(/PASS not_null_snap_ts_id/);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, Record<string, unknown>> };
    expect(manifest.nodes['snapshot.demo.snap_yaml']).toMatchObject({
      fqn: ['demo', 'snap_yaml'], path: 'y.yml/snap_yaml.sql', original_file_path: 'snapshots/y.yml', raw_code: "select * from {{ source('raw', 'src') }}",
      schema: 'main_hist', relation_name: '"w"."main_hist"."snap_yaml"', depends_on: { macros: [], nodes: ['source.demo.raw.src'] }, patch_path: 'demo://snapshots/y.yml',
    });
    expect(manifest.nodes['snapshot.demo.snap_ts']).toMatchObject({ description: 'the ts snapshot', patch_path: 'demo://snapshots/y.yml' });
    expect(Object.keys(manifest.nodes).filter((k) => k.startsWith('test.'))).toEqual(['test.demo.not_null_snap_ts_id.088f069a25']);
    expect(manifest.nodes['test.demo.not_null_snap_ts_id.088f069a25']).toMatchObject({ file_key_name: 'snapshots.snap_ts', attached_node: 'snapshot.demo.snap_ts' });

    const bad = (yml: string) => tempProject({ 'snapshots/s.sql': "{% snapshot snap_ts %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}\n", 'snapshots/y.yml': yml });
    const notACall = bad('snapshots:\n  - name: y\n    relation: main.src\n');
    expect((await cli('ls', '--project-dir', notACall, '--profiles-dir', notACall)).err).toBe("Error: snapshots/y.yml:3 (snapshots[0].relation): relation must be a ref('...') or source('...', '...') call\n");
    const twice = bad("snapshots:\n  - name: snap_ts\n    relation: ref('m')\n");
    expect((await cli('ls', '--project-dir', twice, '--profiles-dir', twice)).err).toBe('Error: snapshots/y.yml:2 (snapshots[0].name): snapshot \'snap_ts\' is defined twice: here and by a {% snapshot %} block\n');
    const noConfig = bad("snapshots:\n  - name: y\n    relation: ref('snap_ts')\n");
    expect((await cli('ls', '--project-dir', noConfig, '--profiles-dir', noConfig)).err).toMatch(/^Error: snapshots\/y\.yml:2 \(snapshots\[0\]\.strategy\): a snapshot needs a strategy/);
  });

  it('a bad config is an error naming its file, line and key; a failing second run leaves the table as it was', async () => {
    const cases: [string, RegExp][] = [
      ["{{ config(unique_key='id') }}", /snapshots\/s\.sql:1 \(strategy\): a snapshot needs a strategy/],
      ["{{ config(unique_key='id', strategy='merge') }}", /\(strategy\): strategy must be 'timestamp' or 'check', got 'merge'/],
      ["{{ config(strategy='timestamp', updated_at='u') }}", /\(unique_key\): a snapshot needs a unique_key/],
      ["{{ config(unique_key='id', strategy='timestamp') }}", /\(updated_at\): the timestamp strategy needs updated_at/],
      ["{{ config(unique_key='id', strategy='check') }}", /\(check_cols\): the check strategy needs check_cols/],
      ["{{ config(unique_key='id', strategy='check', check_cols='all', hard_deletes='purge') }}", /\(hard_deletes\): hard_deletes must be 'ignore', 'invalidate' or 'new_record'/],
      ["{{ config(unique_key='id', strategy='check', check_cols='all', hard_deletes='ignore', invalidate_hard_deletes=true) }}", /set hard_deletes or invalidate_hard_deletes, not both/],
    ];
    for (const [config, message] of cases) {
      const dir = tempProject({ 'snapshots/s.sql': `{% snapshot s %}\n${config}\nselect 1 as id\n{% endsnapshot %}\n` });
      const r = await cli('snapshot', '--project-dir', dir, '--profiles-dir', dir);
      expect(r.code, config).toBe(2);
      expect(r.err, config).toMatch(message);
    }
    const open = tempProject({ 'snapshots/s.sql': "\n{% snapshot s %}\nselect 1\n" });
    expect((await cli('ls', '--project-dir', open, '--profiles-dir', open)).err).toBe("Error: snapshots/s.sql:2: snapshot 's' has no {% endsnapshot %}\n");

    const { dir, db, at } = onDuckDBFile({ 'snapshots/s.sql': "{% snapshot s %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='u') }}\nselect * from main.src\n{% endsnapshot %}\n" });
    await execFile(db, "create table src as select 1 as id, timestamp '2024-01-01' as u");
    expect((await cli('snapshot', ...at)).code).toBe(0);
    // the second run's staging fails on the changed row
    await execFile(db, "update src set u = timestamp '2024-01-02'");
    writeFileSync(join(dir, 'snapshots/s.sql'), "{% snapshot s %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='u') }}\nselect id, u, case when u > timestamp '2024-01-01' then error('changed') end as bad from main.src\n{% endsnapshot %}\n");
    const failed = await cli('snapshot', ...at);
    expect(failed.code).toBe(1);
    expect(plain(failed.out)).toMatch(/1 of 1 ERROR snapshotting main\.s \.+ \[ERROR in/);
    expect(await queryFile(db, "select id, u::varchar, dbt_valid_to from main.s")).toEqual([[1, '2024-01-01 00:00:00', null]]);
    expect(await queryFile(db, "select count(*) from information_schema.tables where table_name like 's__dbt_tmp%'")).toEqual([[0]]);
    expect(await queryFile(db, "select count(*) from information_schema.columns where table_name = 's' and column_name = 'bad'")).toEqual([[0]]);
  });
});
