import { canonicalHash, GENESIS_HASH } from '@tender-ledger/domain';

/** One world-state write of a transaction. Values are UTF-8 text (the contract writes JSON). */
export interface StateWrite {
  key: string;
  value: string | null;
}

export interface ChaincodeEvent {
  name: string;
  payload: string;
}

/** A valid transaction as its block keeps it: who, when, what was called, what it wrote. */
export interface BlockTransaction {
  txId: string;
  timestamp: string;
  creator: { mspId: string; id: string };
  contract: string;
  fn: string;
  args: string[];
  writes: StateWrite[];
  event?: ChaincodeEvent;
}

export interface BlockHeader {
  number: number;
  prevHash: string;
  dataHash: string;
  txCount: number;
}

export interface Block extends BlockHeader {
  hash: string;
  txs: BlockTransaction[];
}

export function blockDataHash(txs: readonly BlockTransaction[]): string {
  return canonicalHash(txs);
}

export function blockHeaderHash(header: BlockHeader): string {
  const { number, prevHash, dataHash, txCount } = header;
  return canonicalHash({ number, prevHash, dataHash, txCount });
}

/** Seals a block: its data hash over the transactions, its hash over the header. */
export function sealBlock(number: number, prevHash: string, txs: BlockTransaction[]): Block {
  const header: BlockHeader = { number, prevHash, dataHash: blockDataHash(txs), txCount: txs.length };
  return { ...header, hash: blockHeaderHash(header), txs };
}

export const GENESIS_PREV_HASH = GENESIS_HASH;
