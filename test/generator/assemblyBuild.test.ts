/**
 * The committed WebAssembly modules (generator/assembly/*.wasm) are what `npm run build:wasm`
 * builds from their AssemblyScript, and the writers' thread's bundle (generator/wasmWorker.bundle.js)
 * is what `npm run build:worker` builds from its TypeScript: the generator runs the committed
 * files, so a source changed without a rebuild would go untested.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bundleWorker, WORKER_BUNDLE } from '../../generator/buildWorker.js';
import { tempDir } from '../tempDir.js';

it('runs the WebAssembly built from each module of generator/assembly/ as it is', () => {
  // the build script's commands, each into a temp file: every committed module must be its output
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const commands = pkg.scripts['build:wasm'].split(' && ').map((c) => c.split(' '));
  expect(commands.map((args) => args[args.indexOf('-o') + 1]).sort()).toEqual(['generator/assembly/events.wasm', 'generator/assembly/payments.wasm']);
  const dir = tempDir('stratum-wasm-');
  for (const args of commands) {
    expect(args[0]).toBe('asc');
    const o = args.indexOf('-o');
    const out = join(dir, 'built.wasm');
    const built = [...args.slice(1, o), '-o', out, ...args.slice(o + 2)];
    execFileSync(process.execPath, ['node_modules/assemblyscript/bin/asc.js', ...built], { stdio: 'pipe' });
    expect(readFileSync(out).equals(readFileSync(args[o + 1])), `${args[o + 1]} is stale: run npm run build:wasm`).toBe(true);
  }
});

it("runs the writers' thread's bundle built from generator/wasmWorker.ts and what it imports as they are", () => {
  const out = join(tempDir('stratum-worker-'), 'bundle.js');
  bundleWorker(out);
  expect(readFileSync(out, 'utf8') === readFileSync(WORKER_BUNDLE, 'utf8'), `${WORKER_BUNDLE} is stale: run npm run build:worker`).toBe(true);
});
