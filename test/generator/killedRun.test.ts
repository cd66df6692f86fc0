/**
 * A run killed while it places its days: the next run into the lake finishes placing them, so
 * that every day is wholly the new run's (all sources and the manifest) or wholly the old one's.
 * The kill is a real SIGKILL of a child process just before its Kth rename (killAtRename.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, type GenerateEvent } from '../../generator/generate.js';
import { loadRules } from '../../generator/rules.js';
import { UsageError } from '../../src/errors.js';
import { cli } from '../cli.js';
import { tempDir } from '../tempDir.js';
import { digest, generateLake, prepareOnly } from './fixture.js';

const FROM = '2024-01-22';
const TO = '2024-01-24';
const CHILD = resolve('test/generator/killAtRename.ts');

/** Runs the child: regenerates FROM..TO into `out` with `rulesFile`, killed before rename `k`. */
function run(rulesFile: string, out: string, k: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', CHILD, rulesFile, out, FROM, TO, String(k)], { encoding: 'utf8', timeout: 60_000 });
}

/** Entries whose name starts with a dot, anywhere under `dir`: staging folders, partitions moved aside. */
function hidden(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.split('/').some((p) => p.startsWith('.')));
}

let rulesFile: string; // the rules the killed runs generate with
let fresh: Map<string, string>; // the lake those rules give
let oldLake: string; // the same days with another seed: what each killed run regenerates over
let old: Map<string, string>;
let partitions: number; // partitions of a run, manifests included

beforeAll(async () => {
  const ref = await generateLake(FROM, TO);
  rulesFile = join(ref.dir, '..', 'rules.yaml');
  fresh = digest(ref.dir);
  oldLake = (await generateLake(FROM, TO, 'seed: 7\n')).dir;
  old = digest(oldLake);
  partitions = new Set([...fresh.keys()].map((f) => f.slice(0, f.lastIndexOf('/')))).size;
  expect(partitions).toBe(3 * 10); // 9 sources and the manifest on each of 3 days
  // every file differs between the seeds, so a mixed day cannot pass for either
  expect([...old.keys()]).toEqual([...fresh.keys()]);
  for (const [f, h] of fresh) expect(old.get(f), f).not.toBe(h);
});

/** A copy of the old lake that a run killed before rename `k` regenerated over. */
function killedAt(k: number): string {
  const out = join(tempDir('stratum-killed-'), 'raw');
  cpSync(oldLake, out, { recursive: true });
  const r = run(rulesFile, out, k);
  expect(r.signal, r.stderr).toBe('SIGKILL');
  return out;
}

describe('a run killed while placing its days', () => {
  it('renames the journal once, then each partition aside and in', () => {
    const out = join(tempDir('stratum-killed-'), 'raw');
    cpSync(oldLake, out, { recursive: true });
    const r = run(rulesFile, out, 0);
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBe(1 + 2 * partitions);
    expect(digest(out)).toEqual(fresh);
  });

  it('before its journal is written, leaves the old lake and its staging is removed', async () => {
    const out = killedAt(1);
    const left = digest(out);
    expect([...left.keys()].some((f) => f.startsWith('.stratum-tmp-'))).toBe(true); // its staging
    expect(new Map([...left].filter(([f]) => !f.startsWith('.')))).toEqual(old);
    await prepareOnly(out);
    expect(digest(out)).toEqual(old);
    expect(hidden(out)).toEqual([]);
  });

  it('with nothing placed yet, is placed in full by the next run', async () => {
    const out = killedAt(2);
    await prepareOnly(out);
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
  });

  it('in the middle of a day, between moving a partition aside and renaming the new one in, is completed by the next run', async () => {
    // the journal, day 1 (10 partitions), 4 sources of day 2, the 5th moved aside: killed before it is renamed in
    const out = killedAt(1 + 2 * 10 + 2 * 4 + 2);
    const mid = digest(out);
    const day2 = [...fresh.keys()].filter((f) => f.includes('dt=2024-01-23/'));
    const isNew = day2.filter((f) => mid.get(f) === fresh.get(f));
    const isOld = day2.filter((f) => mid.get(f) === old.get(f));
    expect(isNew.length).toBeGreaterThan(0); // the kill really left day 2 half new, half old
    expect(isOld.length).toBeGreaterThan(0);
    expect(hidden(out).some((f) => /\.dt=2024-01-23\.old-\d+$/.test(f))).toBe(true);
    await prepareOnly(out);
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
  });

  it('before its last rename, is completed by the next run', async () => {
    const out = killedAt(2 * partitions + 1);
    await prepareOnly(out);
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
  });

  it('is completed by the next run when a process started since has its pid (a reboot, a container)', async () => {
    const out = killedAt(1 + 2 * 10 + 2 * 4 + 2); // in the middle of day 2
    const [staging, pid, ms] = readdirSync(out).map((f) => /^\.stratum-tmp-(\d+)-(\d+)(?:-\d+)?$/.exec(f)).find((m) => m)!;
    // the run was killed a minute ago, and its pid is now a live process's, started since: its lock,
    // staging folder and partitions moved aside name that pid
    const other = spawn('sleep', ['30']);
    try {
      const then = Number(ms) - 60_000;
      writeFileSync(join(out, '.stratum-lock'), `${other.pid} ${then}`);
      renameSync(join(out, staging), join(out, `.stratum-tmp-${other.pid}-${then}`));
      for (const f of hidden(out).filter((h) => h.endsWith(`.old-${pid}`))) renameSync(join(out, f), join(out, f.replace(/\d+$/, String(other.pid))));
      expect(hidden(out).some((f) => f.endsWith(`.old-${other.pid}`))).toBe(true);
      await prepareOnly(out);
    } finally {
      other.kill();
    }
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
  });

  it('is completed by a full run into the lake too, which says so and then writes its own days', async () => {
    const out = killedAt(1 + 2 * 15); // in the middle of day 2
    const events: GenerateEvent[] = [];
    await generate({ rules: loadRules(rulesFile), from: 19745, to: 19745, scale: 1, outDir: out, onEvent: (e) => events.push(e) }); // 2024-01-23 again
    expect(events[0]).toEqual({ type: 'finished', days: 2 });
    expect(events[1].type).toBe('start');
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
  });
});

describe('a reader of a lake that a killed run left', () => {
  it('`stratum start` finishes placing the days first, and says so', async () => {
    const out = killedAt(1 + 2 * 10 + 2 * 4 + 2); // in the middle of day 2
    const r = await cli('start', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("Finished placing 2 day(s) that an earlier, unfinished 'stratum generate' had begun to place.\n");
    expect(r.out).toMatch(/^Raw lake in .*: 3 arrival days, 2024-01-22 \.\. 2024-01-24 \(seed 42, scale 1\), [\d,]+ rows\n/);
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
    // and once done, there is nothing left to finish
    expect((await cli('start', '--out', out)).err).toBe('');
  });
});

describe('stratum generate into a lake that a killed run left', () => {
  it('says first that it finished placing the killed run\'s days', async () => {
    const out = killedAt(2); // nothing placed yet: all three days
    const r = await cli('generate', '--day', '2024-01-24', '--rules', rulesFile, '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err.split('\n')[0]).toBe("Finished placing 3 day(s) that an earlier, unfinished 'stratum generate' had begun to place.");
    expect(r.err.split('\n')[1]).toMatch(/^Generating 1 day\(s\) 2024-01-24/);
    expect(digest(out)).toEqual(fresh);
  });

  it('says so too when it then refuses to write into the lake the killed run changed', async () => {
    // the killed run was replacing the seed-7 lake; a seed-7 run of one day finishes it, and is then
    // refused by the days it placed: it said only that the lake held seed 42, not that it had just
    // placed them
    const out = killedAt(2);
    const r = await cli('generate', '--day', '2024-01-24', '--seed', '7', '--rules', rulesFile, '--out', out);
    expect(r.code).toBe(2);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe("Finished placing 3 day(s) that an earlier, unfinished 'stratum generate' had begun to place.");
    expect(lines[1]).toMatch(/^Error: cannot write the lake into .*: its days outside this run's \(2024-01-22 \.\. 2024-01-23\) have seed 42 \(this run: 7\)/);
    expect(lines.length).toBe(3);
    expect(digest(out)).toEqual(fresh);
  });
});

describe('a run whose placement fails part way', () => {
  it('says so in one line, keeps its journal, and the next run in the same process completes it', async () => {
    const out = join(tempDir('stratum-failed-'), 'raw');
    const run = generate({
      rules: loadRules(rulesFile), from: 19744, to: 19746, scale: 1, outDir: out,
      // once the lake's folder is made, a folder takes the name that the first day's shop/orders
      // partition is moved aside to, so that the move fails (the folders it moves into are made
      // before the journal: a file in their way stops the run before it places anything)
      onEvent: (e) => e.type === 'start' && ['dt=2024-01-22', `.dt=2024-01-22.old-${process.pid}/x`].forEach((f) => mkdirSync(join(out, 'shop/orders', f), { recursive: true })),
    });
    const partition = join(out, 'shop/orders/dt=2024-01-22');
    await expect(run).rejects.toThrow(new UsageError(`cannot write the lake into ${out}: cannot move ${partition}: directory not empty (ENOTEMPTY); the next run into it places the rest of the batch`));
    // the first day's first sources went in before the failure
    expect(existsSync(join(out, 'crm/customers/dt=2024-01-22'))).toBe(true);
    expect(existsSync(join(out, '_truth/dt=2024-01-22'))).toBe(false);
    rmSync(join(out, `shop/orders/.dt=2024-01-22.old-${process.pid}`), { recursive: true });
    await prepareOnly(out);
    expect(digest(out)).toEqual(fresh);
    expect(hidden(out)).toEqual([]);
  });
});
