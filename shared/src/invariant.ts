/** Thrown when the core's own invariant breaks: a bug, never bad input. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

/** Asserts an invariant of the core. Bad input from users is refused, never asserted. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(value: never, what: string): never {
  throw new InvariantError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
