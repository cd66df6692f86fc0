/**
 * A WebAssembly writer's thread (see wasmThread.ts): makes the writer it is asked for, then writes
 * each batch it is handed and answers with its truth per day, or with the error that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError } from '../src/errors.js';
import { EventsWriter, type EventsInput } from './eventsWriter.js';
import { PaymentsWriter, type PaymentsInput } from './paymentsWriter.js';
import type { WasmWriterInit, WasmWriterJob, WasmWriterReply } from './wasmThread.js';

const { init, stopFlag } = workerData as { init: WasmWriterInit; stopFlag: Int32Array };
const stop = () => Atomics.load(stopFlag, 0) === 1;
const events = init.kind === 'events' ? new EventsWriter(init.rules, init.accounts, init.buffers) : undefined;
const payments = init.kind === 'payments' ? new PaymentsWriter(init.rules, init.accounts, init.piece) : undefined;
const write = (job: WasmWriterJob) => (events
  ? events.writeBatch(job.input as EventsInput, job.ctx, job.root, stop)
  : payments!.writeBatch(job.input as PaymentsInput, job.ctx, job.root, stop));

parentPort!.on('message', (job: WasmWriterJob) => {
  let reply: WasmWriterReply;
  try {
    reply = { id: job.id, result: write(job) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = { id: job.id, error: { cancelled: e instanceof CancelledError, message: err.message, stack: err.stack, code: err.code, syscall: err.syscall, path: err.path } };
  }
  parentPort!.postMessage(reply);
});
