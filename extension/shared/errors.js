// The one error type of the extension's JavaScript. It mirrors the core's errors, which cross
// the Wasm boundary as plain `{ code, …context }` objects (crate/src/error.rs): the worker
// throws it, the message listener sends it as the answer's `error`, and `send` (messages.js)
// throws it again in the page that asked. Its context never holds a password or a key.

export class CodedError extends Error {
  /**
   * @param {string} code the core's or the worker's code (`wrong_password`, `no_api_url`…)
   * @param {Record<string, unknown>} [context] what the code needs to be worded (`oid`, `key`…)
   * @param {ErrorOptions} [options] the `cause`, for the log
   */
  constructor(code, context = {}, options = undefined) {
    super(code, options);
    this.name = 'CodedError';
    this.code = code;
    this.context = Object.freeze({ ...context });
  }

  /** The shape that crosses a message, as the core writes its errors. */
  toJSON() {
    return { ...this.context, code: this.code };
  }

  /**
   * The error as a CodedError when it is one — a CodedError, the core's `{ code, … }`, or
   * an answer's `error` — and null when it is anything else: a bug, to be logged.
   * @param {unknown} error
   * @returns {CodedError | null}
   */
  static of(error) {
    if (error instanceof CodedError) return error;
    const coded = /** @type {{ code?: unknown }} */ (error);
    if (typeof coded?.code !== 'string' || error instanceof Error) return null;
    const { code, ...context } = /** @type {{ code: string }} */ (coded);
    return new CodedError(code, context);
  }
}
