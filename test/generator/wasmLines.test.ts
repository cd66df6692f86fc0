import { describe, expect, it } from 'vitest';
import { instantiate, type LinesModule } from '../../generator/wasmLines.js';

describe('the WebAssembly writers past 2 GB of memory', () => {
  it('hands the JS side addresses past 2 GB unsigned, so that it can read and write there', () => {
    // a day of events at --scale 100 on the hot day fills more than 2 GB of the module's memory
    const x = instantiate<LinesModule>(new URL('../../generator/assembly/events.wasm', import.meta.url));
    // the runtime allocates at most some 1 GB at a time
    const blocks = [0, 1, 2].map(() => x.reserve(900 * 1024 * 1024));
    const far = x.reserve(16);
    expect(Math.min(...blocks, far)).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(2 ** 31);
    const view = new Uint8Array(x.memory.buffer, far, 16);
    view.set([1, 2, 3]);
    expect([...new Uint8Array(x.memory.buffer, far, 3)]).toEqual([1, 2, 3]);
    x.release(far);
    for (const b of blocks) x.release(b);
  });
});
