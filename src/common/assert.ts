/** Thrown when a programmer invariant is violated: a bug, never an operating error. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Asserts an invariant; a failure is a bug and should crash the caller. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}
