/**
 * Base class of the pipeline's own errors: a message that says what was wrong and how to fix
 * it, and the underlying cause when there is one.
 */
export class FinopsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration that is missing or invalid; names the variable and the value. */
export class ConfigError extends FinopsError {}

/** Input (a file, a row, an event, an HTTP response) that cannot be accepted as it is. */
export class InvalidInputError extends FinopsError {}
