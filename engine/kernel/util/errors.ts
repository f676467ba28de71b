/** An error meant for the user: its message is complete and is printed as is, without a stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = 'user-error',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Raised when an operation was cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** DuckDB prefixes messages with their kind ("Binder Error: ..."); the first line is what a user needs. */
export function duckdbMessage(error: unknown): string {
  return errorMessage(error).trim();
}
