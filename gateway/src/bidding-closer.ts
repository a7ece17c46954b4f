import { LedgerError, type ProjectState, type PublicProjectStatus } from '@tender-ledger/domain';
import type { LedgerBackend } from './backend.js';
import { LedgerUnavailableError, Problem } from './problem.js';
import { evaluateJson } from './routers/http.js';

/** What the closer needs to know of a project. */
export type ClosableProject = Pick<ProjectState, 'projectId' | 'bidDeadline' | 'owner'>;

export interface BiddingCloserOptions {
  /** The clock deadlines are compared with (the embedded ledger's, in tests). */
  now?: () => number;
  /** How long after the deadline to send, so every endorsing peer's clock is past it too. */
  graceMs?: number;
  /** Pause before trying again when the ledger is unreachable or a peer's clock is not yet there. */
  retryMs?: number;
  /** Tries per project before giving up (the opening then closes bidding). */
  maxAttempts?: number;
  log?: (message: string) => void;
}

// setTimeout's longest delay; a later deadline is waited for in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Sends closeBidding for each of this gateway's projects at its bid deadline, under the
 * owning platform's identity. Once the close is committed, a registration, commitment or
 * withdrawal endorsed before the deadline but held back can no longer commit (see the
 * contract's closeBidding). Projects are scheduled when the gateway starts (those still
 * bidding) and when one is registered through it. Refusals that mean "already closed" or
 * "not ours" end a project's schedule; an unreachable ledger or a peer's clock not yet past
 * the deadline are retried a bounded number of times. If every try fails, the opening closes bidding.
 */
export class BiddingCloser {
  readonly #backend: LedgerBackend;
  readonly #now: () => number;
  readonly #graceMs: number;
  readonly #retryMs: number;
  readonly #maxAttempts: number;
  readonly #log: (message: string) => void;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  constructor(backend: LedgerBackend, options: BiddingCloserOptions = {}) {
    this.#backend = backend;
    this.#now = options.now ?? Date.now;
    this.#graceMs = options.graceMs ?? 1000;
    this.#retryMs = options.retryMs ?? 5000;
    this.#maxAttempts = options.maxAttempts ?? 20;
    this.#log =
      options.log ??
      ((message) => {
        console.warn(message);
      });
  }

  /** Schedules every project still bidding whose bidding nobody has closed. */
  async start(): Promise<void> {
    // Status, deadline, owner and close are public: no one's privileged view is needed to find them.
    const projects = await evaluateJson<PublicProjectStatus[]>(this.#backend, { kind: 'public' }, 'listProjects');
    for (const project of projects) {
      if (project.status === 'bidding' && !project.biddingClosedAt) this.schedule(project);
    }
  }

  /** Closes the project's bidding at its deadline (at once if the deadline is past). */
  schedule(project: ClosableProject): void {
    if (this.#stopped) return;
    this.#arm(project, 1);
  }

  /** Projects waiting for their deadline. */
  get scheduled(): string[] {
    return [...this.#timers.keys()];
  }

  /** Stops scheduling and waits for closes already sent. */
  async close(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#running);
  }

  #arm(project: ClosableProject, attempt: number, delayMs?: number): void {
    clearTimeout(this.#timers.get(project.projectId));
    const due = Date.parse(project.bidDeadline) + this.#graceMs;
    const wait = Math.min(MAX_TIMER_MS, delayMs ?? Math.max(0, due - this.#now()));
    const timer = setTimeout(() => {
      this.#timers.delete(project.projectId);
      if (this.#now() < due) {
        this.#arm(project, attempt);
        return;
      }
      const running = this.#send(project, attempt);
      this.#running.add(running);
      void running.finally(() => this.#running.delete(running));
    }, wait);
    timer.unref();
    this.#timers.set(project.projectId, timer);
  }

  async #send(project: ClosableProject, attempt: number): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#backend.submitAsOwner(project.owner, 'closeBidding', [project.projectId], project.projectId);
    } catch (error) {
      const code = error instanceof LedgerError || error instanceof Problem ? error.code : undefined;
      const retry = error instanceof LedgerUnavailableError || code === 'BIDDING_STILL_OPEN';
      if (retry && attempt < this.#maxAttempts && !this.#stopped) {
        this.#arm(project, attempt + 1, this.#retryMs);
      } else if (code !== 'BIDDING_ALREADY_CLOSED') {
        this.#log(`closeBidding of ${project.projectId} not sent: ${(error as Error).message}`);
      }
    }
  }
}
