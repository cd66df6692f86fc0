/**
 * Stratum's error types. Errors a user can cause are typed and carry the file, line or key they
 * concern, so the CLI prints one clear line and exits with a meaningful code. Anything else is a
 * programming error and may crash loudly.
 */

/** Base class of every error a user can cause. `exitCode` is what the CLI exits with. */
export class StratumError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Where in a file something went wrong: path, and 1-based line (and column) when known. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The dotted key path inside a config file, e.g. `defects.late_arrival.rate`. */
  readonly key?: string;
}

/** Formats a location as `file:line:col (key)`, omitting the parts that are unknown. */
export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  if (loc.key) s += ` (${loc.key})`;
  return s;
}

/** A bad configuration file or value (rules.yaml, dbt_project.yml, profiles.yml, a model yml). Exit 2. */
export class ConfigError extends StratumError {
  readonly location?: SourceLocation;
  constructor(message: string, location?: SourceLocation) {
    super(location ? `${formatLocation(location)}: ${message}` : message, 2);
    this.location = location;
  }
}

/** A bad command line: unknown flag, missing value, bad date. Exit 2. */
export class UsageError extends StratumError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Raw data that cannot be read (a corrupt partition, a missing file). Exit 2. */
export class DataError extends StratumError {
  constructor(message: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message, 2);
  }
}

/** What a query was running for, attached to a QueryError so the user sees the model and its SQL. */
export interface QueryContext {
  /** The model, seed or test the statement belongs to, e.g. `model.stratum.stg_shop__orders`. */
  readonly node?: string;
  /** The file the SQL was compiled from, relative to the project. */
  readonly file?: string;
  /** The compiled SQL that failed. */
  readonly sql?: string;
}

/** A database statement failed. Carries the node, its file and the compiled SQL. Exit 1. */
export class QueryError extends StratumError {
  readonly context: QueryContext;
  readonly driverMessage: string;
  constructor(driverMessage: string, context: QueryContext = {}) {
    const where = [context.node, context.file].filter(Boolean).join(' in ');
    super(where ? `${where}: ${driverMessage}` : driverMessage, 1);
    this.driverMessage = driverMessage;
    this.context = context;
  }
}

/** The work was cancelled by the user (Ctrl-C, Esc, an AbortSignal). Exit 130. */
export class CancelledError extends StratumError {
  constructor(message = 'cancelled') {
    super(message, 130);
  }
}

/** The work as asked does not fit this machine (memory, disk space). The message says what would. Exit 1. */
export class LimitError extends StratumError {
  constructor(message: string) {
    super(message, 1);
  }
}
