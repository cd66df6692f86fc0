import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { main } from '../../src/cli/main.js';

let dir: string;
const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.ts');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-cancel-'));
  await mkdir(join(dir, 'models'));
  await writeFile(join(dir, 'dbt_project.yml'), 'name: slow\nprofile: slow\nconfig-version: 2\nmodel-paths: [models]\n');
  await writeFile(join(dir, 'profiles.yml'), `slow:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${join(dir, 'slow.duckdb')}\n      threads: 1\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C (or SIGTERM) during stratum run', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s interrupts the statement, keeps the previous table, leaves no temp relation, exits 130', async (signal) => {
    await writeFile(join(dir, 'models', 'big.sql'), "{{ config(materialized='table') }}\nselect 42 as answer\n");
    const quiet = process.stdout.write;
    process.stdout.write = () => true;
    try {
      expect(await main(['run', '--project-dir', dir, '--profiles-dir', dir])).toBe(0);
    } finally {
      process.stdout.write = quiet;
    }
    await writeFile(join(dir, 'models', 'big.sql'), "{{ config(materialized='table') }}\nselect count(*) as answer from range(1000000000) a, range(100000) b\n");
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'run', '--project-dir', dir, '--profiles-dir', dir], { cwd: join(import.meta.dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('START sql table model main.big')) setTimeout(() => child.kill(signal), 700);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, `stdout: ${out}\nstderr: ${err}`).toBe(130);
    expect(err).toMatch(/Cancelling/);
    expect(out).toMatch(/ERROR creating sql table model main\.big/);
    const db = new DuckDBAdapter({ path: join(dir, 'slow.duckdb') });
    await db.connect();
    try {
      expect((await db.query('select answer from main.big')).rows).toEqual([[42]]);
      expect((await db.relations()).map((r) => r.name)).toEqual(['big']);
    } finally {
      await db.close();
    }
  });
});
