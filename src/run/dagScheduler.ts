/**
 * Executes a dependency graph: each task starts when its dependencies have finished, up to
 * `concurrency` at once, in the given order among ready tasks. A task whose dependency did not
 * succeed is skipped (not executed) and reported through `onSkip` when its turn comes (all its
 * dependencies done, as dbt dequeues it), and so are its descendants.
 * When the signal aborts, no new task starts and the running ones are awaited.
 */

/** A task of the graph: its id and the ids it waits for (ids outside the graph are ignored). */
export interface GraphTask {
  readonly id: string;
  readonly deps: readonly string[];
}

/** What a task's outcome means for its dependents. */
export type TaskOutcome = 'ok' | 'failed';

/** Callbacks and limits of `runGraph`. */
export interface GraphRun {
  readonly concurrency: number;
  readonly execute: (id: string) => Promise<TaskOutcome>;
  /** Called for a task that will not run, with the id of the failed task upstream that skips it. */
  readonly onSkip: (id: string, cause: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs every task once (or skips it). Resolves when all are done or, after an abort, when the
 * running ones have finished; resolves to the ids that never started because of the abort.
 * Throws Error on a dependency cycle (a programming error: the project rejects cycles).
 */
export async function runGraph(tasks: readonly GraphTask[], run: GraphRun): Promise<string[]> {
  const ids = new Set(tasks.map((t) => t.id));
  const waiting = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const t of tasks) {
    const deps = new Set(t.deps.filter((d) => ids.has(d) && d !== t.id));
    waiting.set(t.id, deps);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  }
  const order = new Map(tasks.map((t, i) => [t.id, i]));
  const ready: string[] = tasks.filter((t) => waiting.get(t.id)!.size === 0).map((t) => t.id);
  const done = new Set<string>();
  // tasks that will be skipped, with the failed task that dooms them; each is reported when its
  // turn comes (its dependencies done), as dbt dequeues and skips it, not when the failure happens
  const doomed = new Map<string, string>();
  let running = 0;

  return new Promise<string[]>((resolve, reject) => {
    const finish = (id: string, ok: boolean): void => {
      done.add(id);
      const cause = doomed.get(id) ?? id;
      for (const child of dependents.get(id) ?? []) {
        if (done.has(child)) continue;
        if (!ok && !doomed.has(child)) doomed.set(child, cause);
        const w = waiting.get(child)!;
        w.delete(id);
        if (w.size === 0) insertReady(child);
      }
    };
    const insertReady = (id: string): void => {
      const pos = ready.findIndex((r) => order.get(r)! > order.get(id)!);
      if (pos < 0) ready.push(id);
      else ready.splice(pos, 0, id);
    };
    const pump = (): void => {
      while (ready.length > 0 && !run.signal?.aborted) {
        const id = ready[0];
        const cause = doomed.get(id);
        if (cause !== undefined) {
          // a skip takes no thread
          ready.shift();
          run.onSkip(id, cause);
          finish(id, false);
          continue;
        }
        if (running >= run.concurrency) break;
        ready.shift();
        running++;
        run
          .execute(id)
          .then(
            (outcome) => finish(id, outcome === 'ok'),
            (e: unknown) => {
              reject(e);
            },
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running === 0 && (ready.length === 0 || run.signal?.aborted)) {
        const notStarted = tasks.map((t) => t.id).filter((id) => !done.has(id));
        if (!run.signal?.aborted && notStarted.length > 0) {
          reject(new Error(`dependency cycle among: ${notStarted.join(', ')}`));
          return;
        }
        resolve(notStarted);
      }
    };
    pump();
  });
}
