import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { tempDir } from '../tempDir.js';
import { tempProject } from './helpers.js';

const plain = (out: string) => out.replace(/^\d\d:\d\d:\d\d {2}/gm, '');
const profiles = (path: string, settings = '') => `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${path}'\n${settings}    bq:\n      type: bigquery\n      method: oauth\n      project: p1\n      dataset: d1\n`;

describe('stratum debug (dbt debug)', () => {
  it('names the files it reads, checks them, shows the connection and tests it: all checks passed', async () => {
    const d = tempProject({});
    const db = join(d, 'w.duckdb');
    writeFileSync(join(d, 'profiles.yml'), profiles(db));
    const r = await cli('debug', '--project-dir', d, '--profiles-dir', d);
    expect(r.code).toBe(0);
    const out = plain(r.out);
    expect(out).toContain(`Using profiles.yml file at ${join(d, 'profiles.yml')}\nUsing dbt_project.yml file at ${join(d, 'dbt_project.yml')}\nadapter type: duckdb\n`);
    expect(out).toContain('Configuration:\n  profiles.yml file [OK found and valid]\n  dbt_project.yml file [OK found and valid]\n');
    expect(out).toMatch(new RegExp(`Connection:\\n {2}database: w\\n {2}schema: main\\n {2}path: ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n {2}settings: \\{\\}\\n {2}DuckDB version: v\\d`));
    expect(out).toContain('  Connection test: [OK connection ok]\n\nAll checks passed!\n');
    // as dbt-duckdb's, connecting makes the database file
    expect(existsSync(db)).toBe(true);
  });

  it('a BigQuery target is shown, its connection test skipped; --config-dir prints where profiles.yml is', async () => {
    const d = tempProject({});
    writeFileSync(join(d, 'profiles.yml'), profiles(':memory:'));
    const r = await cli('debug', '--project-dir', d, '--profiles-dir', d, '--target', 'bq');
    expect(r.code).toBe(0);
    expect(plain(r.out)).toContain('Connection:\n  project: p1\n  dataset: d1\n');
    expect(plain(r.out)).toContain('Connection test: [SKIPPED: Stratum does not connect to BigQuery yet');
    const c = await cli('debug', '--project-dir', d, '--profiles-dir', d, '--config-dir');
    expect(c.code).toBe(0);
    expect(plain(c.out)).toBe(`To view your profiles.yml file, run:\n\ncat ${join(d, 'profiles.yml')}\n`);
  });

  it('a check that fails is said with its reason, exit 1: a missing project, an unknown target, a setting DuckDB refuses', async () => {
    const none = tempDir('stratum-debug-');
    writeFileSync(join(none, 'profiles.yml'), profiles(':memory:'));
    const r = await cli('debug', '--project-dir', none, '--profiles-dir', none);
    expect(r.code).toBe(1);
    expect(plain(r.out)).toContain('  dbt_project.yml file [ERROR not found]\n');
    expect(plain(r.out)).toMatch(/1 check failed:\nProject loading failed for the following reason:\ndbt_project\.yml: not found in /);

    const d = tempProject({});
    writeFileSync(join(d, 'profiles.yml'), profiles(':memory:'));
    const t = await cli('debug', '--project-dir', d, '--profiles-dir', d, '--target', 'prod');
    expect(t.code).toBe(1);
    expect(plain(t.out)).toContain('  profiles.yml file [ERROR invalid]\n');
    expect(plain(t.out)).toMatch(/Profile loading failed for the following reason:\n.*prod/);

    writeFileSync(join(d, 'profiles.yml'), profiles(':memory:', '      settings:\n        memory_limit: lots\n'));
    const s = await cli('debug', '--project-dir', d, '--profiles-dir', d);
    expect(s.code).toBe(1);
    expect(plain(s.out)).toContain('  Connection test: [ERROR]\n');
    expect(plain(s.out)).toMatch(/Connection test failed for the following reason:\n.*memory_limit/);
  });
});
