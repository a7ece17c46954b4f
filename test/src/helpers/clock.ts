/** A clock that tests move by hand, so deadlines can pass without waiting. */
export class ManualClock {
  #ms: number;

  constructor(start = '2026-03-02T01:00:00.000Z') {
    this.#ms = Date.parse(start);
  }

  now = (): Date => new Date(this.#ms);

  advance(ms: number): void {
    this.#ms += ms;
  }

  /** Moves to an instant (never backwards). */
  set(iso: string): void {
    this.#ms = Math.max(this.#ms, Date.parse(iso));
  }

  iso(offsetMs = 0): string {
    return new Date(this.#ms + offsetMs).toISOString();
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
