/**
 * The WebAssembly writers (eventsWriter.ts, paymentsWriter.ts) on threads of their own. A batch's
 * input is read from DuckDB here, on the main thread, and its days are written there; the main
 * thread stays free to start the DuckDB lanes' next statements. On the main thread, a writer's
 * stretches of work (some 20 ms a day of events, a batch's sort of payments) held up each lane's
 * next statement, and the lanes' many short ones (a Parquet COPY a day) waited on it: the cores
 * were a quarter to a third idle for the middle of a default run.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../src/errors.js';
import { eventsInput, type EventsBuffers, type EventsInput } from './eventsWriter.js';
import { paymentsInput, type PaymentsAccounts, type PaymentsInput } from './paymentsWriter.js';
import type { Rules } from './rules.js';
import { events } from './sources/events.js';
import { payments } from './sources/payments.js';
import type { SqlContext } from './sqlRandom.js';
import type { WasmAccounts } from './wasmLines.js';
import { type SourceDayTruth, type Stop, whileRunning } from './writer.js';

/** What a writer's thread is made with (wasmWorker.ts). */
export type WasmWriterInit =
  | { readonly kind: 'events'; readonly rules: Rules; readonly accounts: WasmAccounts; readonly buffers?: EventsBuffers }
  | { readonly kind: 'payments'; readonly rules: Rules; readonly accounts: PaymentsAccounts; readonly piece?: number };

/** A batch to write, as the thread is handed it. */
export interface WasmWriterJob {
  readonly id: number;
  readonly input: EventsInput | PaymentsInput;
  readonly ctx: SqlContext;
  readonly root: string;
}

/** What the thread answers: the batch's truth per day, or the error that stopped it. */
export type WasmWriterReply =
  | { readonly id: number; readonly result: Map<number, SourceDayTruth> }
  | { readonly id: number; readonly error: ThreadErrorData };

/** An error as a thread sends it: whether it is a cancel, and a file-system error's code, call and path. */
export interface ThreadErrorData {
  readonly cancelled: boolean;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly syscall?: string;
  readonly path?: string;
}

/**
 * A WebAssembly writer on a worker thread, with the writer's `write` (a batch's days, in batch
 * order: the writer keeps the records a batch hands on). `close` ends the thread.
 */
export class WasmWriterThread {
  private readonly worker: Worker;
  /** Set to 1 once a batch's `stop` says so: the thread asks it before each day. */
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, { resolve: (r: Map<number, SourceDayTruth>) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(private readonly init: WasmWriterInit) {
    // plain JS (buildWorker.ts): a thread started through tsx's loader took some 0.4 s more CPU.
    // No execArgv either: a thread inherits its process's by default, and a process started with
    // `node --import tsx` (the bench's children, tsx scripts) would load tsx again in each thread,
    // some 0.1 s of CPU a run that `stratum generate` (bin/stratum.js, no flags) does not spend
    this.worker = new Worker(new URL('./wasmWorker.bundle.js', import.meta.url), { execArgv: [], workerData: { init, stopFlag: this.stopFlag } });
    this.worker.on('message', (reply: WasmWriterReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if ('result' in reply) job.resolve(reply.result);
      else job.reject(threadError(reply.error));
    });
    // a thread that fails outside a job (its module does not load) fails every job, now and later,
    // with the first error: the exit that follows an uncaught one only says that it ended
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const job of this.pending.values()) job.reject(this.failed);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`internal: the ${init.kind} writer's thread exited (code ${code})`)));
  }

  /**
   * Writes the batch's records arriving in [ctx.from, ctx.to] under `root`, reading its input
   * through `con`; returns per-day truth as writeSource does, or fails with a CancelledError when
   * `stop` says so before a day.
   */
  async write(con: DuckDBConnection, ctx: SqlContext, root: string, stop: Stop = () => false): Promise<Map<number, SourceDayTruth>> {
    if (this.failed) throw this.failed;
    const init = this.init;
    if (stop()) throw new CancelledError(`${init.kind === 'events' ? events.name : payments.name} stopped`);
    let input: EventsInput | PaymentsInput | undefined = init.kind === 'events' ? await eventsInput(con, ctx, init.rules)
      : await paymentsInput(con, ctx, init.rules);
    if (this.failed) throw this.failed;
    const id = this.nextId++;
    // the thread asks the flag before each day
    return whileRunning(() => new Promise<Map<number, SourceDayTruth>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // the batch's texts and columns are moved to the thread, not copied
      this.worker.postMessage({ id, input: input!, ctx, root } satisfies WasmWriterJob, transferable(input!));
      // the thread has its copy: this one may go while the batch is written (hundreds of MB at --scale 100)
      input = undefined;
    }), stop, () => Atomics.store(this.stopFlag, 0, 1));
  }

  /** Ends the thread (a job still running is dropped). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** The buffers of a batch's input that move to its thread (see EventsInput, PaymentsInput). */
function transferable(input: EventsInput | PaymentsInput): ArrayBuffer[] {
  if ('text' in input) return [input.text.buffer];
  const o = input.orders;
  return [o.day.buffer, o.i.buffer, o.n.buffer, o.done.buffer, o.unpaid.buffer, o.totals.buffer, o.totalLength.buffer];
}

/**
 * The error a thread answered with, as this thread's: a CancelledError, or an Error with its code
 * (ENOSPC, say), call and path, so that a file-system error is reported in one line naming the file.
 */
function threadError(e: ThreadErrorData): Error {
  if (e.cancelled) return new CancelledError(e.message);
  const error = new Error(e.message) as NodeJS.ErrnoException;
  if (e.stack) error.stack = e.stack;
  if (e.code) error.code = e.code;
  if (e.syscall) error.syscall = e.syscall;
  if (e.path) error.path = e.path;
  return error;
}
