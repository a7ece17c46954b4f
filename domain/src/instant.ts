import { DateTime } from 'luxon';

/**
 * RFC 3339 `date-time` (section 5.6) with its field ranges: hour 00-23, minute 00-59, second
 * 00-59, offset hours 00-23 (an upper-case T and Z, as the ledger writes them). The shape alone
 * cannot know month lengths or leap years; Luxon checks the calendar.
 */
export const RFC3339_INSTANT_PATTERN =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';
const SHAPE = new RegExp(RFC3339_INSTANT_PATTERN);

/**
 * Whether `value` is a real instant: RFC 3339 shape with a zone, and a date that exists
 * (`2026-02-30`, `T24:00:00`, `T23:60:00` and leap seconds `:60` are not). A deadline that
 * names no real instant is no evidence: `Date.parse` would silently roll it into another day.
 *
 * @example isInstant('2026-03-01T09:30:00+08:00') // true
 * @example isInstant('2026-02-30T09:30:00Z') // false
 */
export function isInstant(value: string): boolean {
  if (!SHAPE.test(value)) return false;
  // The ledger's own form (UTC, milliseconds) is every record's txTime: a date that exists is one
  // Date writes back unchanged (it rolls 02-30 into March). Luxon's parse was a thirtieth of the
  // gateway's CPU per bid, checking each answer's record. Any other form still goes to Luxon.
  if (value.length === 24 && value.endsWith('Z') && value[19] === '.' && new Date(value).toISOString() === value) return true;
  return DateTime.fromISO(value, { setZone: true }).isValid;
}
