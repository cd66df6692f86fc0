/**
 * `npm run build:worker`: bundles generator/wasmWorker.ts, with what it imports, into the
 * committed generator/wasmWorker.bundle.js, the file a WebAssembly writer's thread runs
 * (wasmThread.ts). A thread loads plain JavaScript in some 50 ms of CPU; through tsx's loader, as
 * the rest of the generator runs, a thread took some 0.4 s more to start. A test fails when the
 * committed bundle is not what this builds (test/generator/assemblyBuild.test.ts).
 */
import { buildSync } from 'esbuild';
import { pathToFileURL } from 'node:url';

/** The committed bundle, from the project's root. */
export const WORKER_BUNDLE = 'generator/wasmWorker.bundle.js';

/** Bundles generator/wasmWorker.ts into `outfile` (run from the project's root). */
export function bundleWorker(outfile: string = WORKER_BUNDLE): void {
  buildSync({
    entryPoints: ['generator/wasmWorker.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    banner: { js: '// Built by `npm run build:worker` from generator/wasmWorker.ts and what it imports: do not edit (a test fails when it is stale).' },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) bundleWorker();
