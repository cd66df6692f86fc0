/**
 * A snapshot scenario run the same way under Stratum and dbt: four snapshots (timestamp with hard
 * deletes invalidated; check of named columns; timestamp with a two-column key and hard deletes
 * as new records; check of all columns with dbt_valid_to_current, renamed meta columns and a custom
 * schema) over a source changed four times (an update, a delete, an insert, a new column, a row
 * coming back), then a model reading one of them. Its rows, normalised, are compared.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempProject } from '../project/helpers.js';

export const SNAPSHOT_FILE = `{% snapshot snap_ts %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at', hard_deletes='invalidate') }}
select * from main.src
{% endsnapshot %}

{% snapshot snap_check %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['name']) }}
select id, name from main.src
{% endsnapshot %}

{% snapshot snap_new %}
{{ config(target_schema='snapshots', unique_key=['id', 'k2'], strategy='timestamp', updated_at='updated_at', hard_deletes='new_record') }}
select * from main.src
{% endsnapshot %}

{% snapshot snap_all %}
{{ config(schema='hist', unique_key='id', strategy='check', check_cols='all', dbt_valid_to_current="'9999-12-31'::timestamp", snapshot_meta_column_names={'dbt_valid_from': 'valid_from', 'dbt_valid_to': 'valid_to'}) }}
select * from main.src
{% endsnapshot %}
`;

/** The source's states: each is applied, then the snapshots run. */
export const SOURCE_STEPS = [
  "create table src as select * from (values (1, 1, 'a', timestamp '2024-01-01'), (2, 1, 'b', timestamp '2024-01-01'), (3, 1, 'c', timestamp '2024-01-01')) t(id, k2, name, updated_at)",
  "update src set name = 'b2', updated_at = timestamp '2024-01-02' where id = 2; delete from src where id = 3; insert into src values (4, 1, 'd', timestamp '2024-01-02')",
  "alter table src add column extra varchar; insert into src values (3, 1, 'c3', timestamp '2024-01-03', 'x'); update src set name = 'a2', updated_at = timestamp '2024-01-03' where id = 1",
  "update src set extra = 'y' where id = 4",
];

/** The relations compared. */
export const SNAPSHOT_TABLES = ['snapshots.snap_ts', 'snapshots.snap_check', 'snapshots.snap_new', 'main_hist.snap_all', 'main.current'];

/** A project with the snapshots and a model over one, on the DuckDB file that env DB names. */
export function snapshotProject(): string {
  const dir = tempProject({
    'snapshots/s.sql': SNAPSHOT_FILE,
    'models/current.sql': "select * from {{ ref('snap_ts') }} where dbt_valid_to is null\n",
    'profiles.yml': 'demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'DB\') }}"\n',
  });
  writeFileSync(join(dir, 'dbt_project.yml'), "name: demo\nversion: '1.0'\nprofile: demo\n");
  return dir;
}

/** Runs statements on a DuckDB file. */
export async function execFile(file: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  try {
    await con.run(sql);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/**
 * The compared relations of a DuckDB file: columns, and rows as text sorted, with the times of the
 * run itself (the check strategy's and hard deletes' snapshot time) as NOW, and in the relations
 * whose scd ids hash that time, every md5 as MD5.
 */
export async function snapshotRows(file: string): Promise<Record<string, { cols: string[]; rows: string[][] }>> {
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  try {
    const out: Record<string, { cols: string[]; rows: string[][] }> = {};
    for (const t of SNAPSHOT_TABLES) {
      const cols = (await con.runAndReadAll(`describe ${t}`)).getRows().map((r) => String(r[0]));
      const rows = (await con.runAndReadAll(`select columns(*)::varchar from ${t}`)).getRows().map((r) => r.map((v) => {
        const s = v === null ? 'NULL' : String(v);
        if (/^20(2[5-9]|[3-9]\d)-/.test(s)) return 'NOW';
        return t !== 'snapshots.snap_ts' && /^[0-9a-f]{32}$/.test(s) ? 'MD5' : s;
      }));
      out[t] = { cols, rows: rows.sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1)) };
    }
    return out;
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
