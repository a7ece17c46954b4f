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

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * Ledger time as a rule suite sees it on one host. On the embedded ledger a clock the test
 * moves (a deadline a week away passes at once); on Fabric the peers' real time, which cannot
 * be moved: reaching an instant means sleeping until it, and deadlines are set seconds ahead.
 */
export interface HostClock {
  nowMs(): number;
  iso(offsetMs?: number): string;
  /** Returns once ledger time has reached `instantMs` (never moves backwards). */
  reach(instantMs: number): Promise<void>;
  /** How far ahead of now the scenario driver sets a bid deadline. */
  deadlineLead(): number;
  /** From the bid deadline to the opening time. */
  readonly openingGap: number;
  /**
   * The shortest "just before" this host can promise: a step sent at `instant - tick()` is still
   * endorsed before `instant`. 1 ms on the manual clock; on real time, what an endorsement may take.
   */
  tick(): number;
}

/** The embedded hosts' time: a ManualClock the suite moves. */
export function manualHostClock(clock = new ManualClock()): HostClock & { manual: ManualClock } {
  return {
    manual: clock,
    nowMs: () => clock.now().getTime(),
    iso: (offsetMs = 0) => clock.iso(offsetMs),
    reach: async (instantMs) => {
      clock.set(new Date(instantMs).toISOString());
    },
    deadlineLead: () => 7 * DAY,
    openingGap: HOUR,
    tick: () => 1,
  };
}

/**
 * Real time, for a network whose peers stamp and check time with this machine's clock.
 * Leads follow how long steps take here and now (`slowestStepMs`), never a fixed guess.
 */
export function realHostClock(slowestStepMs: () => number, settleMs = 50): HostClock {
  const now = () => Date.now();
  return {
    nowMs: now,
    iso: (offsetMs = 0) => new Date(now() + offsetMs).toISOString(),
    // Past the instant by a little, so the peers' clocks (the same machine's) are past it too.
    reach: async (instantMs) => {
      const waitMs = instantMs - now() + settleMs;
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    },
    // Room for the up to 12 steps a scenario takes before its deadline, each as slow as the slowest seen lately.
    deadlineLead: () => Math.max(4 * SECOND, 12 * 1.5 * slowestStepMs()),
    openingGap: 2 * SECOND,
    tick: () => Math.max(SECOND, 3 * slowestStepMs()),
  };
}
