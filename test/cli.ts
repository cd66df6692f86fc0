/** Running the `stratum` CLI in-process from tests, with its output captured. */
import { vi } from 'vitest';
import { main } from '../src/cli/main.js';

/** Runs the CLI in-process with `argv`, capturing stdout and stderr; returns its exit code. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
