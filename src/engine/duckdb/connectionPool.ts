/**
 * A small pool of DuckDB connections on one instance. DuckDB runs statements of different
 * connections concurrently, so the runner's independent nodes each borrow one. The pool knows
 * which connections are busy so `interruptAll` can cancel everything at once.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** A fixed-size pool of connections with FIFO waiting. */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly busy = new Set<DuckDBConnection>();
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private created = 0;
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    readonly size: number,
  ) {}

  /** Borrows a connection, opening one if fewer than `size` exist, else waiting for a release. */
  async acquire(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('connection pool is closed');
    const free = this.idle.pop();
    if (free) {
      this.busy.add(free);
      return free;
    }
    if (this.created < this.size) {
      this.created++;
      const conn = await this.instance.connect();
      this.busy.add(conn);
      return conn;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Returns a connection to the pool, handing it straight to the next waiter if any. */
  release(conn: DuckDBConnection): void {
    const next = this.waiters.shift();
    if (next) {
      next(conn);
      return;
    }
    this.busy.delete(conn);
    this.idle.push(conn);
  }

  /** Runs `fn` with a borrowed connection and always releases it. */
  async with<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  /** Interrupts the statement running on every borrowed connection. */
  interruptAll(): void {
    for (const c of this.busy) c.interrupt();
  }

  /** Closes every idle connection; busy ones are closed as they come back. */
  close(): void {
    this.closed = true;
    for (const c of this.idle) c.closeSync();
    for (const c of this.busy) c.closeSync();
    this.idle.length = 0;
    this.busy.clear();
  }
}
