/**
 * Order-independent fingerprints of the relations in a DuckDB file, for comparing what two
 * engines built: row count, column names/types (sorted by name), and `sum(hash(row))` over the
 * columns in name order. Opened read-only in a fresh instance, so the catalog keeps the file's
 * name and views that qualify their references still resolve.
 */
import { DuckDBInstance } from '@duckdb/node-api';

/** The fingerprint of one relation. */
export interface RelationFingerprint {
  readonly rows: number;
  readonly columns: string;
  readonly checksum: string;
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Fingerprints `schema.name` relations of the file; a missing relation maps to `missing`. */
export async function fingerprints(dbFile: string, relations: readonly { schema: string; name: string }[]): Promise<Record<string, RelationFingerprint | 'missing'>> {
  const instance = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  const out: Record<string, RelationFingerprint | 'missing'> = {};
  try {
    for (const r of relations) {
      const key = `${r.schema}.${r.name}`;
      const cols = (await conn.runAndReadAll(`select column_name, data_type from information_schema.columns where table_schema = $s and table_name = $n`, { s: r.schema, n: r.name })).getRowsJS() as [string, string][];
      if (cols.length === 0) {
        out[key] = 'missing';
        continue;
      }
      cols.sort((a, b) => a[0].localeCompare(b[0]));
      const struct = `struct_pack(${cols.map(([c]) => `${q(c)} := ${q(c)}`).join(', ')})`;
      const res = (await conn.runAndReadAll(`select count(*)::bigint, coalesce(sum(hash(${struct})), 0)::varchar from ${q(r.schema)}.${q(r.name)}`)).getRowsJS()[0];
      out[key] = { rows: Number(res[0]), columns: cols.map(([c, t]) => `${c}:${t}`).join(', '), checksum: String(res[1]) };
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out;
}
