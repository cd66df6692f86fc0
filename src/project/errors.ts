/**
 * The error a template raises while it is rendered: bad Jinja syntax, an unknown `ref()`, a
 * missing `var()`, `exceptions.raise_compiler_error(...)`. Like dbt's compilation error it names
 * the file and line. Exit code 2 (a user mistake in the project).
 */
import { formatLocation, StratumError, type SourceLocation } from '../errors.js';

/** A Jinja compile failure in a model, test or macro, located at file:line. Exit 2. */
export class CompileError extends StratumError {
  readonly location?: SourceLocation;
  /** The message without its location. */
  readonly detail: string;
  constructor(message: string, location?: SourceLocation) {
    super(location ? `${formatLocation(location)}: ${message}` : message, 2);
    this.location = location;
    this.detail = message;
  }
}
