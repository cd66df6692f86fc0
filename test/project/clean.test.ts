import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanProject } from '../../src/project/clean.js';
import { cli } from '../cli.js';
import { tempDir } from '../tempDir.js';
import { tempProject } from './helpers.js';

/** A project whose dbt_project.yml has these extra lines, with folders target/, logs/ and models/. */
function project(extra = ''): string {
  const d = tempProject({ 'dbt_project.yml': `name: demo\nprofile: demo\nconfig-version: 2\n${extra}`, 'models/m.sql': 'select 1 as x\n' });
  for (const f of ['target/compiled', 'logs']) mkdirSync(join(d, f), { recursive: true });
  writeFileSync(join(d, 'target/manifest.json'), '{}');
  return d;
}

describe('stratum clean (dbt clean)', () => {
  it('deletes the target folder by default, printing what dbt prints', async () => {
    const d = project();
    const r = await cli('clean', '--project-dir', d);
    expect(r.code).toBe(0);
    expect(r.out.replace(/^\d\d:\d\d:\d\d {2}/gm, '')).toBe(`Checking ${d}/target/*\nCleaned ${d}/target/*\nFinished cleaning all paths.\n`);
    expect(existsSync(join(d, 'target'))).toBe(false);
    expect(existsSync(join(d, 'logs'))).toBe(true);
    expect(existsSync(join(d, 'models/m.sql'))).toBe(true);
  });

  it('deletes every clean-target, a missing one too', async () => {
    const d = project('clean-targets: [target, logs, missing]\n');
    expect((await cli('clean', '--project-dir', d)).code).toBe(0);
    expect(['target', 'logs'].map((f) => existsSync(join(d, f)))).toEqual([false, false]);
  });

  it('refuses a source folder, or one holding it, before deleting anything', async () => {
    for (const bad of ['models', '.']) {
      const d = project(`clean-targets: [target, '${bad}']\n`);
      const r = await cli('clean', '--project-dir', d);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toBe(`Error: dbt_project.yml:4 (clean-targets): will not clean the project's source folders (or a folder holding one): ${bad === '.' ? d : join(d, bad)}\n`);
      expect(existsSync(join(d, 'target')), bad).toBe(true);
      expect(existsSync(join(d, 'models/m.sql')), bad).toBe(true);
    }
  });

  it('refuses a folder outside the project unless --no-clean-project-files-only', async () => {
    const outside = tempDir('stratum-outside-');
    writeFileSync(join(outside, 'keep.txt'), 'x');
    const d = project(`clean-targets: [target, '${outside}']\n`);
    const r = await cli('clean', '--project-dir', d);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: dbt_project.yml:4 (clean-targets): will not clean folders outside the project: ${outside} (--no-clean-project-files-only allows it)\n`);
    expect(existsSync(join(d, 'target'))).toBe(true);
    expect(existsSync(outside)).toBe(true);
    expect((await cli('clean', '--project-dir', d, '--no-clean-project-files-only')).code).toBe(0);
    expect(existsSync(outside)).toBe(false);
  });

  it('takes a clean-target under a file for one that is not there, not for a stack trace', async () => {
    const d = project('clean-targets: [target/manifest.json/x, target]\n');
    const r = await cli('clean', '--project-dir', d);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out.replace(/^\d\d:\d\d:\d\d {2}/gm, '')).toBe(`Checking ${d}/target/manifest.json/x/*\nCleaned ${d}/target/manifest.json/x/*\nChecking ${d}/target/*\nCleaned ${d}/target/*\nFinished cleaning all paths.\n`);
    expect(existsSync(join(d, 'target'))).toBe(false);
  });

  it('takes a folder of the project whose name begins with two dots for one inside it', async () => {
    const d = project("clean-targets: ['..cache']\n");
    mkdirSync(join(d, '..cache'));
    writeFileSync(join(d, '..cache', 'f.txt'), 'x');
    const r = await cli('clean', '--project-dir', d);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(existsSync(join(d, '..cache'))).toBe(false);
  });

  it('deletes a folder whose name is near the 255 bytes a name may have, in letters of several bytes', async () => {
    // 127 two-byte letters (254 bytes): the folder moved aside while it is deleted has a name of its own within the limit
    const name = '\u00e9'.repeat(127);
    const d = project(`clean-targets: [target, ${name}]\n`);
    mkdirSync(join(d, name, 'sub'), { recursive: true });
    writeFileSync(join(d, name, 'sub', 'f.txt'), 'x');
    const r = await cli('clean', '--project-dir', d);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(readdirSync(d).sort()).toEqual(['dbt_project.yml', 'logs', 'models', 'profiles.yml']);
  });

  it('two cleans of one project at once both succeed: what the other deleted first is clean', async () => {
    // with what a cancelled clean left aside too, which both delete before they move the folder there
    for (const leftAside of [false, true]) {
      const d = project();
      const folders = leftAside ? ['target', '.target.stratum-clean'] : ['target'];
      for (const f of folders) {
        for (let i = 0; i < 10; i++) {
          mkdirSync(join(d, f, 'run', `d${i}`), { recursive: true });
          for (let j = 0; j < 50; j++) writeFileSync(join(d, f, 'run', `d${i}`, `f${j}.sql`), 'select 1 as x\n');
        }
      }
      // two calls racing: each deletes the files the other lists
      const both = await Promise.allSettled([cleanProject({ projectDir: d }), cleanProject({ projectDir: d })]);
      expect(both.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))), `left aside: ${leftAside}`).toEqual([[join(d, 'target')], [join(d, 'target')]]);
      expect(readdirSync(d).sort()).toEqual(['dbt_project.yml', 'logs', 'models', 'profiles.yml']);
    }
  });

  it('deletes what another clean at once moved into the place of the folder it was deleting', async () => {
    const d = project();
    const aside = join(d, '.target.stratum-clean');
    // what a cancelled clean left aside, which this one deletes before it moves the target there
    mkdirSync(join(aside, 'run'), { recursive: true });
    writeFileSync(join(aside, 'run', 'f.sql'), 'select 1 as x\n');
    // the other clean, as this one is about to remove the emptied folder: it removed it first, and
    // moved the target aside into its place
    const rmdir = fsp.rmdir;
    let raced = false;
    fsp.rmdir = async (path, options) => {
      if (path === aside && !raced) {
        raced = true;
        await rmdir(aside);
        renameSync(join(d, 'target'), aside);
      }
      return rmdir(path, options);
    };
    // clean.ts's `import { rmdir } from 'node:fs/promises'` sees the patched function
    syncBuiltinESMExports();
    try {
      expect(await cleanProject({ projectDir: d })).toEqual([join(d, 'target')]);
    } finally {
      fsp.rmdir = rmdir;
      syncBuiltinESMExports();
    }
    expect(raced).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['dbt_project.yml', 'logs', 'models', 'profiles.yml']);
  });

  it.runIf(process.platform === 'linux')('a clean-target still there when it cannot be moved aside (/proc) is an error naming it, not cleaned', async () => {
    const d = project("clean-targets: ['/proc/sys', target]\n");
    const r = await cli('clean', '--project-dir', d, '--no-clean-project-files-only');
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: "Error: dbt_project.yml:4 (clean-targets): cannot delete /proc/sys: it is still there, and moving it aside failed "
      + "(ENOENT: no such file or directory, rename '/proc/sys' -> '/proc/.sys.stratum-clean')\n" });
    expect(r.out).not.toMatch(/Cleaned/);
    expect(existsSync('/proc/sys')).toBe(true);
    expect(existsSync(join(d, 'target'))).toBe(true);
  });

  it('a clean-targets that is not a list of folder names is an error naming it; no dbt_project.yml is one too', async () => {
    const d = project('clean-targets: target\n');
    const r = await cli('clean', '--project-dir', d);
    expect(r.code).toBe(2);
    expect(r.err).toBe('Error: dbt_project.yml:4 (clean-targets): clean-targets must be a list of folder names\n');
    expect(existsSync(join(d, 'target'))).toBe(true);
    const empty = tempDir('stratum-empty-');
    const n = await cli('clean', '--project-dir', empty);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/dbt_project\.yml/);
  });
});
