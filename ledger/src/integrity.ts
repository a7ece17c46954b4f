import { LedgerError } from '@tender-ledger/domain';
import { blockFieldsProblem, decodeBlock, GENESIS_PREV_HASH, type Block } from './block.js';
import type { DurableHead } from './head.js';
import { BLOCK_RANGE, HEIGHT_KEY, LOST_RANGE, blockKey, historyKey, stateKey, txKey } from './keys.js';
import type { LedgerDb, StoredHistoryEntry } from './views.js';

/** A place where the ledger's evidence does not hold together. */
export interface BrokenLink {
  reason: string;
  block?: number;
  key?: string;
  txId?: string;
  /** A file of the store, and where in it. */
  file?: string;
  offset?: number;
}

/**
 * Blocks an operator accepted as lost (`ledger:repair`). Their numbers stay used: the block
 * after them links to `lastHash`, the hash receipts named for block `to`.
 */
export interface LostBlocks {
  from: number;
  to: number;
  lastHash: string;
  repairedAt: string;
  reason: string;
}

/** The ledger refuses to serve: its store lost or changed what it acknowledged. */
export class LedgerDamagedError extends LedgerError {
  override name = 'LedgerDamagedError';
  constructor(
    readonly damage: BrokenLink[],
    readonly directory: string,
  ) {
    super('LEDGER_DAMAGED', `${damage.map(describeLink).join('; ')} (run ledger:verify, then ledger:repair or restore a backup)`);
  }
}

/** One line naming what is broken and where. */
export function describeLink(link: BrokenLink): string {
  const where = [
    link.file !== undefined ? `file ${link.file}${link.offset !== undefined ? ` byte ${link.offset}` : ''}` : undefined,
    link.block !== undefined ? `block ${link.block}` : undefined,
    link.key !== undefined ? `key ${JSON.stringify(link.key)}` : undefined,
    link.txId !== undefined ? `tx ${link.txId}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `${link.reason}${where ? ` at ${where}` : ''}`;
}

export async function storeHeight(db: LedgerDb): Promise<number> {
  const bytes = await db.get(HEIGHT_KEY);
  return bytes ? Number(bytes.toString('utf8')) : 0;
}

export async function readLost(db: LedgerDb): Promise<LostBlocks[]> {
  const lost: LostBlocks[] = [];
  for await (const value of db.values(LOST_RANGE)) lost.push(JSON.parse(value.toString('utf8')) as LostBlocks);
  return lost.sort((a, b) => a.from - b.from);
}

/** What a store's height and the durable head say together: the acknowledged blocks must all be there. */
export async function checkHead(db: LedgerDb, height: number, head: DurableHead, lost: LostBlocks[]): Promise<BrokenLink[]> {
  if (head.height > height) {
    const last = height - 1;
    return [
      {
        block: height,
        reason: `blocks ${height}–${head.height - 1} are missing: the durable head (LEDGER-HEAD) names block ${head.height - 1} ${head.hash}, acknowledged with receipts, but the store ends at block ${last}`,
      },
    ];
  }
  if (head.height === 0) return [];
  const number = head.height - 1;
  const gap = lost.find((l) => l.from <= number && number <= l.to);
  const hash = gap ? (gap.to === number ? gap.lastHash : undefined) : (await blockAt(db, number))?.block.hash;
  if (hash !== undefined && hash !== head.hash) {
    return [
      {
        block: number,
        reason: `block ${number} is not the block acknowledged (its hash ${hash} differs from the durable head's ${head.hash}): the store was rolled back and rewritten`,
      },
    ];
  }
  // Up to two unacknowledged blocks may be ahead: a crash after their batches, before their head
  // writes (a block's batch overlaps the head write of the block before).
  if (height > head.height + 2)
    return [
      {
        block: head.height,
        reason: `the store has ${height - head.height} blocks beyond the durable head (LEDGER-HEAD is older than the store)`,
      },
    ];
  return [];
}

async function blockAt(db: LedgerDb, number: number): Promise<{ block: Block; dataHashHolds: boolean } | undefined> {
  const bytes = await db.get(blockKey(number));
  return bytes ? decodeBlock(bytes) : undefined;
}

/**
 * The start-up check: the durable head, then the last blocks — each present, its hashes, its
 * link to the block before, and the state, history and tx-index entries it wrote — back to
 * `window.blocks` blocks or `window.transactions` transactions, whichever comes first: a bounded
 * number of reads whatever the ledger's size.
 */
export async function checkRecent(
  db: LedgerDb,
  head: DurableHead,
  window: { blocks: number; transactions: number },
): Promise<BrokenLink[]> {
  const height = await storeHeight(db);
  if (!Number.isSafeInteger(height) || height < 0) return [{ key: HEIGHT_KEY, reason: 'ledger height is not a number' }];
  const lost = await readLost(db);
  const problems = await checkHead(db, height, head, lost);
  for await (const key of db.keys({ gte: blockKey(height), lt: BLOCK_RANGE.lt, limit: 1 })) {
    problems.push({ block: Number(key.slice(2)), key, reason: 'block beyond the ledger height (never committed)' });
  }
  const latestSeen = new Set<string>();
  let after: Block | undefined;
  let checked = 0;
  let transactions = 0;
  for (let number = height - 1; number >= 0 && checked < window.blocks && transactions < window.transactions; number--, checked++) {
    const gap = lost.find((l) => l.to === number);
    if (gap) {
      if (after && after.prevHash !== gap.lastHash)
        problems.push({ block: after.number, reason: 'block does not link to the hash recorded for the lost block before it' });
      after = undefined;
      number = gap.from;
      continue;
    }
    let read: { block: Block; dataHashHolds: boolean } | undefined;
    try {
      read = await blockAt(db, number);
    } catch (error) {
      problems.push({ block: number, key: blockKey(number), reason: `block unreadable: ${(error as Error).message}` });
      after = undefined;
      continue;
    }
    if (!read) {
      problems.push({ block: number, key: blockKey(number), reason: 'block is missing' });
      after = undefined;
      continue;
    }
    const { block } = read;
    problems.push(...(await checkBlock(db, number, read, latestSeen)));
    transactions += block.txs?.length ?? 0;
    if (after && after.prevHash !== block.hash)
      problems.push({ block: after.number, reason: 'block does not link to the hash of the block before' });
    if (number === 0 && block.prevHash !== GENESIS_PREV_HASH)
      problems.push({ block: 0, reason: 'block 0 does not link to the genesis hash' });
    after = block;
  }
  return problems;
}

/** One block's hashes and the entries it wrote; `latestSeen` holds keys a later block wrote since. */
async function checkBlock(
  db: LedgerDb,
  number: number,
  { block, dataHashHolds }: { block: Block; dataHashHolds: boolean },
  latestSeen: Set<string>,
): Promise<BrokenLink[]> {
  const problem = blockFieldsProblem(block, number, dataHashHolds);
  if (problem !== undefined) return [{ block: number, reason: problem }];
  const problems: BrokenLink[] = [];
  const keys: string[] = [];
  const expected: { key: string; value: string | undefined; link: BrokenLink }[] = [];
  // Newest write first, so a key's current state is compared with its latest write only.
  for (let index = block.txs.length - 1; index >= 0; index--) {
    const tx = block.txs[index] as Block['txs'][number];
    keys.push(txKey(tx.txId));
    expected.push({
      key: txKey(tx.txId),
      value: String(number),
      link: { block: number, txId: tx.txId, reason: 'transaction missing from the index or naming another block' },
    });
    for (let w = tx.writes.length - 1; w >= 0; w--) {
      const write = tx.writes[w] as Block['txs'][number]['writes'][number];
      const entry: StoredHistoryEntry = { txId: tx.txId, timestamp: tx.timestamp, isDelete: write.value === null };
      keys.push(historyKey(write.key, number, index));
      expected.push({
        key: historyKey(write.key, number, index),
        value: JSON.stringify(entry),
        link: { block: number, txId: tx.txId, key: write.key, reason: 'history entry missing or differing from its block' },
      });
      if (!latestSeen.has(write.key)) {
        latestSeen.add(write.key);
        keys.push(stateKey(write.key));
        expected.push({
          key: stateKey(write.key),
          value: write.value ?? undefined,
          link: {
            block: number,
            txId: tx.txId,
            key: write.key,
            reason: `state value missing or differing from what block ${number} wrote`,
          },
        });
      }
    }
  }
  let values: (Buffer | undefined)[];
  try {
    values = await db.getMany(keys);
  } catch (error) {
    return [{ block: number, reason: `entries unreadable: ${(error as Error).message}` }];
  }
  expected.forEach(({ value, link }, i) => {
    if (values[i]?.toString('utf8') !== value) problems.push(link);
  });
  return problems.slice(0, 1);
}
