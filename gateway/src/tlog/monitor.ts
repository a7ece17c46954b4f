import {
  LedgerError,
  ProjectListSchema,
  RecordWithBlockSchema,
  TrailSchema,
  isRedacted,
  must,
  parseChecked,
  recordHash,
  schemaErrors,
  type RecordView,
} from '@tender-ledger/domain';
import {
  MemoryTree,
  bytesEqual,
  fromHex,
  leafHash,
  parseCheckpoint,
  parseProofBundle,
  parseNote,
  toBase64,
  verifyCheckpoint,
  type TlogPolicy,
} from '@tender-ledger/tlog';
import { parseEntryBundle, formatTilePath, TILE_WIDTH, type TilePath } from './tiles.js';

/** A monitor's finding that the log misbehaved: its code and the sizes and roots involved. */
export class MonitorAlarm extends LedgerError {
  override name = 'MonitorAlarm';
}

export interface MonitorOptions {
  /** The gateway's base URL. */
  readonly url: string;
  /** The log's key (and witnesses, if checkpoints must be cosigned to count). */
  readonly policy: TlogPolicy;
  readonly fetch?: typeof fetch;
  /**
   * A bearer token used only to find records (`GET /v1/projects` and the trails), for a gateway
   * that lists projects to signed-in callers alone. Records are always read and checked as the
   * public, so a token that may see more (a sealed bid) adds nothing to what is checked.
   */
  readonly listToken?: string;
  /** At most this many listing requests (pages and trails) and this many record checks per sweep (default 500, at least 2). */
  readonly sweepLimit?: number;
}

/** What one sweep of the public records did. */
export interface SweepResult {
  /** Public records whose leaves this sweep recomputed from their content. */
  readonly checked: number;
  /** Public records checked since the monitor started. */
  readonly total: number;
  /** The sweep stopped at its limit; the next one goes on from there. */
  readonly more: boolean;
}

export interface MonitorStep {
  readonly size: number;
  readonly root: string;
  readonly newLeaves: number;
}

const b64 = (h: Uint8Array) => toBase64(h);

/**
 * Follows a log as anyone can, from its public read side: each checkpoint (verified under the
 * policy), the entry bundles of the leaves it adds and the level-0 tiles over them. It keeps its
 * own copy of the tree, so every checkpoint it sees must be the root of that one tree at its
 * size: a checkpoint that is not (a rewrite, a fork), two checkpoints of one size with different
 * roots (a split view), and a tile that does not match the leaves are each raised as a
 * MonitorAlarm naming the sizes and roots. The records the gateway publishes are found and
 * their leaves recomputed from their content ({@link sweepPublicRecords}).
 *
 * @example
 * const monitor = new LogMonitor({ url, policy });
 * await monitor.poll(); // throws MonitorAlarm on misbehaviour
 * await monitor.sweepPublicRecords(); // throws MonitorAlarm for a record that is not its leaf
 */
export class LogMonitor {
  readonly #options: MonitorOptions;
  readonly #tree = new MemoryTree();
  /** Every checkpoint seen: size → root (base64). */
  readonly #seen = new Map<number, string>();
  /** Public records whose leaves were recomputed, by id: not fetched again. */
  readonly #checked = new Set<string>();
  /** A disclosed project's chain head when all its public records were checked: its trail is not read again until it moves. */
  readonly #settled = new Map<string, string>();
  /** Where the next sweep goes on in the project list (undefined: from the newest project). */
  #cursor: string | undefined;

  constructor(options: MonitorOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#tree.size;
  }

  /** Checkpoints seen so far, by size. */
  get seen(): ReadonlyMap<number, string> {
    return this.#seen;
  }

  /** Checks one checkpoint note (from the log, a witness, a bundle, another client) against what was seen. */
  async check(note: string): Promise<MonitorStep> {
    const { checkpoint } = verifyCheckpoint(note, this.#options.policy, { cache: false });
    const root = b64(checkpoint.rootHash);
    const before = this.#seen.get(checkpoint.size);
    if (before !== undefined && before !== root) {
      throw new MonitorAlarm('TLOG_SPLIT_VIEW', `split view: two checkpoints of size ${checkpoint.size} with roots ${before} and ${root}`);
    }
    let newLeaves = 0;
    if (checkpoint.size > this.#tree.size) newLeaves = await this.#follow(checkpoint.size, checkpoint.rootHash);
    const mine = this.#tree.root(checkpoint.size);
    if (!bytesEqual(mine, checkpoint.rootHash)) await this.#diagnose(checkpoint.size, checkpoint.rootHash);
    this.#seen.set(checkpoint.size, root);
    return { size: checkpoint.size, root, newLeaves };
  }

  /**
   * Recomputes a public record's leaf: the record's content must hash to its hash, and the leaf
   * its proof names must be that hash in the tree this monitor holds. A record still sealed to
   * the public is left alone ('sealed'). Raises TLOG_INCLUSION_INVALID otherwise.
   */
  async checkRecord(recordId: string): Promise<{ index: number } | 'sealed'> {
    const view = publishedRecord(recordId, await this.#get(`v1/records/${encodeURIComponent(recordId)}`));
    if (isRedacted(view)) return 'sealed';
    const { blockNumber: _n, blockHash: _h, ...record } = view;
    if (recordHash(record) !== record.hash) {
      throw new MonitorAlarm('TLOG_INCLUSION_INVALID', `record ${recordId} as published does not hash to its hash ${record.hash}`);
    }
    const { index } = parseProofBundle(await this.#get(`v1/records/${encodeURIComponent(recordId)}/proof`));
    if (index >= this.#tree.size) await this.poll();
    if (
      index >= this.#tree.size ||
      !bytesEqual(this.#tree.node(0, index), leafHash(must(fromHex(record.hash), 'the record hash as bytes')))
    ) {
      throw new MonitorAlarm('TLOG_INCLUSION_INVALID', `leaf ${index} of the log is not the hash of record ${recordId} (${record.hash})`);
    }
    return { index };
  }

  /** Public records whose leaves were recomputed from their content so far (by this monitor). */
  get publicRecords(): ReadonlySet<string> {
    return this.#checked;
  }

  /**
   * Finds the records the gateway publishes (the project list, page by page, and each project's
   * trail as the public sees it) and recomputes the leaf of each public one not yet checked
   * ({@link checkRecord}). Sealed steps are not in the public trail, and a record the public
   * sees redacted is left out: only what anyone may read is checked. Bounded by `sweepLimit`
   * listing requests and record checks; a sweep that stops there leaves a cursor, and once the
   * list's end is reached the next sweep starts again from the newest project, so new records
   * are found.
   * Raises TLOG_INCLUSION_INVALID (naming the record) as checkRecord does.
   */
  async sweepPublicRecords(): Promise<SweepResult> {
    const limit = Math.max(2, this.#options.sweepLimit ?? 500);
    let reads = 0;
    let checked = 0;
    const result = (more: boolean): SweepResult => ({ checked, total: this.#checked.size, more });
    for (;;) {
      // Room for a page and at least one trail. No more projects a page than trails left to
      // read, so a page is never left for want of them (a long settled list costs pages only).
      if (reads + 2 > limit) return result(true);
      reads += 1;
      const query = `limit=${Math.min(200, limit - reads)}${this.#cursor === undefined ? '' : `&cursor=${encodeURIComponent(this.#cursor)}`}`;
      const page = parseChecked(ProjectListSchema, await this.#listing(`v1/projects?${query}`), 'the project list');
      for (const project of page.projects) {
        // A disclosed project's head moves with every record. One still sealed shows none (it
        // would count the bids), so its trail is read at every sweep: its public steps may grow.
        const head = project.head?.hash;
        if (head !== undefined && this.#settled.get(project.projectId) === head) continue;
        reads += 1;
        const trail = parseChecked(
          TrailSchema,
          await this.#listing(`v1/projects/${encodeURIComponent(project.projectId)}/trail`),
          `the trail of ${project.projectId}`,
        );
        let settled = true;
        for (const record of trail.records) {
          // A record the public sees redacted has no content to hash: not public (yet).
          if (this.#checked.has(record.recordId) || ('redacted' in record && record.redacted)) continue;
          // Out of room: this page is read again next time, from the records not yet checked.
          if (checked >= limit) return result(true);
          if ((await this.checkRecord(record.recordId)) === 'sealed') {
            settled = false;
            continue;
          }
          this.#checked.add(record.recordId);
          checked += 1;
        }
        if (settled && head !== undefined) this.#settled.set(project.projectId, head);
      }
      this.#cursor = page.nextCursor;
      if (this.#cursor === undefined) return result(false);
    }
  }

  /** Fetches `GET /checkpoint` and checks it. */
  async poll(): Promise<MonitorStep> {
    return this.check(new TextDecoder().decode(await this.#get('checkpoint')));
  }

  /** Appends the leaves up to `size` from the entry bundles, and checks the level-0 tiles over them. */
  async #follow(size: number, rootHash: Uint8Array): Promise<number> {
    const start = this.#tree.size;
    const leaves: Uint8Array[] = [];
    for (let n = Math.floor(start / TILE_WIDTH); n * TILE_WIDTH < size; n++) {
      const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
      const tile: TilePath = { level: 'entries', index: n, width };
      const entries = parseEntryBundle(await this.#get(formatTilePath(tile)));
      if (entries === undefined || entries.length !== width || entries.some((e) => e.length !== 32)) {
        throw new MonitorAlarm('TLOG_TILE_INVALID', `${formatTilePath(tile)} is not ${width} entries of 32 bytes`);
      }
      const hashes = await this.#get(formatTilePath({ level: 0, index: n, width }));
      entries.forEach((entry, k) => {
        const index = n * TILE_WIDTH + k;
        const leaf = leafHash(entry);
        if (hashes.length !== width * 32 || !bytesEqual(hashes.subarray(k * 32, k * 32 + 32), leaf)) {
          throw new MonitorAlarm(
            'TLOG_TILE_INVALID',
            `${formatTilePath({ level: 0, index: n, width })} does not hold the hash of entry ${index} of ${formatTilePath(tile)}`,
          );
        }
        if (index >= start) leaves.push(leaf);
      });
    }
    // Only leaves the checkpoint vouches for join the monitor's tree.
    const trial = new MemoryTree();
    for (let i = 0; i < start; i++) trial.append(this.#tree.node(0, i));
    for (const leaf of leaves) trial.append(leaf);
    if (!bytesEqual(trial.root(size), rootHash)) await this.#diagnose(size, rootHash);
    for (const leaf of leaves) this.#tree.append(leaf);
    return leaves.length;
  }

  /** The checkpoint is not the monitor's tree: say whether the log's own tiles changed the past. */
  async #diagnose(size: number, rootHash: Uint8Array): Promise<never> {
    const served = new MemoryTree();
    try {
      for (let n = 0; n * TILE_WIDTH < size; n++) {
        const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
        const hashes = await this.#get(formatTilePath({ level: 0, index: n, width }));
        for (let k = 0; k < width; k++) served.append(hashes.subarray(k * 32, k * 32 + 32));
      }
    } catch {
      // Tiles missing: what the checkpoint commits to cannot be read back at all.
    }
    const earlier = [...this.#seen.entries()].filter(([s]) => s <= size).sort((a, b) => b[0] - a[0])[0];
    if (served.size === size && bytesEqual(served.root(size), rootHash) && earlier !== undefined) {
      const now = b64(served.root(earlier[0]));
      throw new MonitorAlarm(
        'TLOG_CONSISTENCY_INVALID',
        `log rewritten: the checkpoint of size ${size} (root ${b64(rootHash)}) is not consistent with the checkpoint of size ${earlier[0]} seen before (root ${earlier[1]}); its tiles now give root ${now} at size ${earlier[0]}`,
      );
    }
    throw new MonitorAlarm(
      'TLOG_TILE_INVALID',
      `the tiles do not hash to the checkpoint of size ${size} (root ${b64(rootHash)})${earlier ? `; last good checkpoint: size ${earlier[0]}, root ${earlier[1]}` : ''}`,
    );
  }

  async #get(resource: string): Promise<Uint8Array> {
    const response = await this.#fetch(resource);
    if (response.status !== 200) throw new Error(`GET /${resource}: ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  #fetch(resource: string, headers: Record<string, string> = {}): Promise<Response> {
    return (this.#options.fetch ?? fetch)(`${this.#options.url.replace(/\/+$/, '')}/${resource}`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    });
  }

  /** A listing (the project list, a trail): read with the list token if there is one. */
  async #listing(resource: string): Promise<string> {
    const token = this.#options.listToken;
    const response = await this.#fetch(resource, token === undefined ? {} : { authorization: `Bearer ${token}` });
    if (response.status === 401)
      throw new Error(
        `GET /${resource}: 401 (this gateway lists projects to signed-in callers only: give the monitor a token to find public records with)`,
      );
    if (response.status !== 200) throw new Error(`GET /${resource}: ${response.status}`);
    return response.text();
  }
}

/**
 * A record as the log's operator publishes it, checked against the documented schema: the
 * monitor trusts the operator no more than the log, so an answer of any other shape (not
 * JSON, not a record, another record's id) is raised as TLOG_INCLUSION_INVALID, not hashed.
 */
function publishedRecord(recordId: string, bytes: Uint8Array): RecordView & { blockNumber?: number; blockHash?: string } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new MonitorAlarm('TLOG_INCLUSION_INVALID', `record ${recordId} as published is not UTF-8 JSON`);
  }
  const errors = schemaErrors(RecordWithBlockSchema, value);
  if (errors.length > 0) {
    throw new MonitorAlarm(
      'TLOG_INCLUSION_INVALID',
      `record ${recordId} as published is not a record: ${errors
        .slice(0, 5)
        .map((e) => `${e.field} ${e.message}`)
        .join('; ')}`,
    );
  }
  const view = value as RecordView & { blockNumber?: number; blockHash?: string };
  if (view.recordId !== recordId)
    throw new MonitorAlarm('TLOG_INCLUSION_INVALID', `asked for record ${recordId}, the log published record ${view.recordId}`);
  return view;
}

/** The log key of a checkpoint note's origin, for messages. */
export function noteOrigin(note: string): string {
  return parseCheckpoint(parseNote(note).text).origin;
}
