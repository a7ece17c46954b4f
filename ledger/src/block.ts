import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '@tender-ledger/domain';

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
  /** Key-level endorsement policies the transaction set (key → SignaturePolicyEnvelope, base64); kept, not enforced. */
  validationParameters?: Record<string, string>;
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

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The block hash rule: SHA-256 of the RFC 8785 form of the transaction list. */
export function blockDataHash(txs: readonly BlockTransaction[]): string {
  return sha256(canonicalJson(txs));
}

/** And of the header, which names the block before and the data hash. */
export function blockHeaderHash(header: BlockHeader): string {
  const { number, prevHash, dataHash, txCount } = header;
  return sha256(canonicalJson({ number, prevHash, dataHash, txCount }));
}

/** A sealed block and its stored form, built from each transaction's canonical JSON once. */
export function sealBlock(number: number, prevHash: string, txs: BlockTransaction[]): { block: Block; json: string } {
  // The canonical form of a list is its items' canonical forms joined, so this equals blockDataHash(txs).
  const txsJson = `[${txs.map((tx) => canonicalJson(tx)).join(',')}]`;
  const header: BlockHeader = { number, prevHash, dataHash: sha256(txsJson), txCount: txs.length };
  const hash = blockHeaderHash(header);
  const json = `{"dataHash":"${header.dataHash}","hash":"${hash}","number":${number},"prevHash":"${prevHash}","txCount":${txs.length},"txs":${txsJson}}`;
  return { block: { ...header, hash, txs }, json };
}

export const GENESIS_PREV_HASH = GENESIS_HASH;
