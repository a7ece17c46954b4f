import { assert } from 'chai';

// Assertions that also narrow: a missing value or a wrong class fails as a test assertion naming
// what was expected, and the code after it gets the narrowed type without a `!` or a cast.

/** Asserts `value` is neither null nor undefined, naming `what` in the failure; gives it narrowed. */
export function present<T>(value: T, what: string): NonNullable<T> {
  assert.exists(value, `${what} is missing`);
  return value;
}

/** Asserts `value` is an instance of `type` (chai's instanceOf); gives it as that type. */
export function instanceOf<T>(value: unknown, type: Chai.Constructor<T>, what?: string): T {
  assert.instanceOf(value, type, what);
  return value;
}

/** Asserts a rejection reason is an Error and gives its message (for `.catch` and `.then`'s second callback). */
export function errorMessage(reason: unknown): string {
  return instanceOf(reason, Error, 'the rejection is an Error').message;
}
