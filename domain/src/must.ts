/**
 * The value the code's own logic guarantees is there (a map entry set just before, a match the
 * check above found), or an Error naming what is missing: where `value!` would let a broken
 * guarantee run on as `undefined`, this stops at the place it broke.
 */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal error: ${what} is missing`);
  return value;
}
