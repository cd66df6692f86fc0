/**
 * The WebAssembly writers run on threads of their own (generator/wasmThread.ts): a batch's input
 * is read on the calling thread, its days written on the writer's. Lakes written so are compared
 * byte for byte with the SQL's in eventsWriter.test.ts and paymentsWriter.test.ts; here, how a
 * thread stops when told to, and how its errors come back.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { loadRules } from '../../generator/rules.js';
import { paymentsAccounts, type PaymentsAccounts } from '../../generator/paymentsWriter.js';
import { wasmAccounts } from '../../generator/wasmLines.js';
import { WasmWriterThread } from '../../generator/wasmThread.js';
import { tempDir } from '../tempDir.js';
import { withBatch } from './fixture.js';

describe('WasmWriterThread', () => {
  it('writes a batch of events on its thread, and stops before its next day once `stop` says so', async () => {
    const rules = loadRules();
    await withBatch(rules, rules.company.founded + 10, 41, async (con, ctx, world) => {
      const thread = new WasmWriterThread({ kind: 'events', rules, accounts: wasmAccounts(world) });
      try {
        const whole = await thread.write(con, ctx, tempDir('stratum-thread-'));
        expect([...whole.keys()]).toEqual(Array.from({ length: 41 }, (_, i) => ctx.from + i));
        // the next batch, stopped once its input is read: the thread is told before it writes a
        // day (whileRunning asks at once, so a thread quicker than a poll cannot finish first)
        const next = { ...ctx, from: ctx.to + 1, to: ctx.to + 41, continues: true };
        const root = tempDir('stratum-thread-');
        let asked = 0;
        const stopped = await thread.write(con, next, root, () => ++asked > 1).catch((e: unknown) => e);
        // stopped by the thread, before its first day (the calling thread's own check says only "stopped")
        expect(stopped).toBeInstanceOf(CancelledError);
        expect((stopped as Error).message).toMatch(/^product\/events stopped before \d{4}-\d\d-\d\d$/);
        expect(existsSync(join(root, 'product/events')) ? readdirSync(join(root, 'product/events')) : []).toEqual([]);
      } finally {
        await thread.close();
      }
    });
  });

  it('fails with the error its thread met, its code kept (a folder that is a file: ENOTDIR)', async () => {
    const rules = loadRules();
    await withBatch(rules, rules.company.founded + 10, 41, async (con, ctx, world) => {
      const thread = new WasmWriterThread({ kind: 'payments', rules, accounts: paymentsAccounts(world) });
      try {
        const root = tempDir('stratum-thread-');
        writeFileSync(join(root, 'processor'), 'not a folder');
        await expect(thread.write(con, ctx, root)).rejects.toMatchObject({ code: 'ENOTDIR' });
        // and the thread goes on: the next batch's call is answered
        const again = await thread.write(con, ctx, tempDir('stratum-thread-'));
        expect(again.size).toBeGreaterThan(30);
      } finally {
        await thread.close();
      }
    });
  });

  it('never makes again the folder its batch folder is in: a staging folder removed while it writes stays removed', async () => {
    // a process stopped at once (a second Ctrl-C) removes its staging folder on its way out while
    // a writer's thread may still be writing a day into a batch folder in it
    const rules = loadRules();
    await withBatch(rules, rules.company.founded + 10, 41, async (con, ctx, world) => {
      const thread = new WasmWriterThread({ kind: 'payments', rules, accounts: paymentsAccounts(world) });
      try {
        const staging = join(tempDir('stratum-thread-'), '.stratum-tmp-1-1');
        await expect(thread.write(con, ctx, join(staging, 'batch-0'))).rejects.toMatchObject({ code: 'ENOENT' });
        expect(existsSync(staging)).toBe(false);
        // a batch folder not made yet, in a staging folder that is there, is made
        mkdirSync(staging);
        expect((await thread.write(con, ctx, join(staging, 'batch-0'))).size).toBeGreaterThan(30);
      } finally {
        await thread.close();
      }
    });
  });

  it('fails with the error that stopped its thread from starting, not that the thread then exited', async () => {
    // as when V8 cannot allocate the module's memory (ulimit -v): the cause came second to
    // 'internal: the events writer's thread exited (code 1)', and was lost with it
    const rules = loadRules();
    await withBatch(rules, rules.company.founded + 10, 3, async (con, ctx) => {
      const thread = new WasmWriterThread({ kind: 'payments', rules, accounts: undefined as unknown as PaymentsAccounts });
      try {
        // once the thread has failed and exited
        await new Promise((r) => (thread as unknown as { worker: Worker }).worker.once('exit', r));
        await expect(thread.write(con, ctx, tempDir('stratum-thread-'))).rejects.toThrow(TypeError);
      } finally {
        await thread.close();
      }
    });
  });
});
