// Many files at once, for the CLI: hashing and sending each in a bounded pool, results as they
// come. Internal: not exported from index.ts.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_BATCH, type LedgerRecord, type NotariseDocumentRequest } from '@tender-ledger/domain';
import type { TenderLedgerClient, WriteResult } from './client.js';
import { TenderLedgerError } from './errors.js';
import { sha256File } from './hash.js';

const SMALL = 1 << 20;

/** A file to work on, with its size (for progress in bytes). */
export interface InputFile {
  file: string;
  size: number;
}

/** Expands the arguments: files as given, directories walked (sorted, hidden entries skipped). */
export async function expandInputs(args: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const arg of args) {
    const info = await stat(arg);
    if (info.isDirectory()) {
      const entries = (await readdir(arg, { withFileTypes: true }))
        .filter((e) => !e.name.startsWith('.'))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      out.push(...(await expandInputs(entries.filter((e) => e.isDirectory() || e.isFile()).map((e) => path.join(arg, e.name)))));
    } else {
      out.push({ file: arg, size: info.size });
    }
  }
  return out;
}

/**
 * Runs `work` over `items` with at most `limit` at once, calling `onResult` as each ends
 * (in completion order). Never rejects: a failed item gives its error.
 */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  onResult: (item: T, result: R | Error) => void,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        let result: R | Error;
        try {
          result = await work(item);
        } catch (error) {
          result = error instanceof Error ? error : new Error(String(error));
        }
        onResult(item, result);
      }
    }),
  );
}

/** A file's SHA-256 (hex). Sizes are known from the walk: a small file is read and hashed at once, a large one streamed. */
export async function hashInput(input: InputFile): Promise<string> {
  return input.size <= SMALL
    ? createHash('sha256')
        .update(await readFile(input.file))
        .digest('hex')
    : sha256File(input.file);
}

/**
 * Notarises files as batches (`POST /v1/evidence/batch`): one record per up to `MAX_BATCH`
 * distinct hashes, each file a leaf of its batch's Merkle root, so thousands of files cost a
 * handful of transactions. The key derives from the batch's hashes and kind: a rerun of the
 * same files records nothing twice. Reports every file with its batch and its place in it.
 */
export async function notariseInBatches(
  inputs: readonly InputFile[],
  client: TenderLedgerClient,
  options: { kind: string; hashConcurrency: number; batchSize?: number },
  onOutcome: (outcome: BatchOutcome) => void,
): Promise<void> {
  const hashOf = new Map<InputFile, string>();
  await pool(inputs, options.hashConcurrency, hashInput, (input, sha256) => {
    if (sha256 instanceof Error) onOutcome({ kind: 'failed', input, error: sha256 });
    else hashOf.set(input, sha256);
  });
  // In the order given (the walk's), each content once: the contract refuses a hash twice in a batch.
  const hashed = inputs.flatMap((input) => {
    const sha256 = hashOf.get(input);
    return sha256 === undefined ? [] : [{ input, sha256 }];
  });
  const distinct = [...new Set(hashed.map((h) => h.sha256))];
  const size = Math.max(1, Math.min(options.batchSize ?? MAX_BATCH, MAX_BATCH));
  for (let start = 0; start < distinct.length; start += size) {
    const hashes = distinct.slice(start, start + size);
    const position = new Map(hashes.map((h, i) => [h, i]));
    const idempotencyKey = `tender-batch-v1-${createHash('sha256')
      .update(JSON.stringify([options.kind, hashes]))
      .digest('hex')}`;
    const result = await client
      .notariseBatch({ hashes, kind: options.kind }, { idempotencyKey })
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    for (const { input, sha256 } of hashed) {
      const index = position.get(sha256);
      if (index === undefined) continue;
      onOutcome(
        result instanceof Error
          ? { kind: 'failed', input, sha256, error: result }
          : { kind: 'batched', input, sha256, index, size: hashes.length, result },
      );
    }
  }
}

export type BatchOutcome =
  | { kind: 'batched'; input: InputFile; sha256: string; index: number; size: number; result: WriteResult<LedgerRecord<'BatchNotarised'>> }
  | { kind: 'failed'; input: InputFile; sha256?: string; error: Error };

/** A file hashed and ready to send. */
export interface PreparedNotarisation extends InputFile {
  sha256: string;
  request: NotariseDocumentRequest;
  /** Derived from hash, kind and project: a rerun sends the same key and records nothing twice. */
  idempotencyKey: string;
}

/**
 * The idempotency key of a file's notarisation: the same content, kind and project give the same
 * key, so a rerun after a failure (or a kill) gets the first answer instead of a second record.
 */
export function notarisationKey(sha256: string, kind: string, projectId?: string): string {
  return `tender-notarise-v1-${createHash('sha256')
    .update(JSON.stringify([sha256, kind, projectId ?? null]))
    .digest('hex')}`;
}

/**
 * Sends a batch of notarisations, one result per item in order. Today one request per item (the
 * gateway has no batch endpoint yet); a batch endpoint slots in here, with `batchSize` above 1.
 */
export type NotarisationSender = (
  batch: readonly PreparedNotarisation[],
) => Promise<(WriteResult<LedgerRecord<'DocumentNotarised'>> | Error)[]>;

/** One `POST /v1/evidence` per item. */
export function perItemSender(client: TenderLedgerClient): NotarisationSender {
  return (batch) =>
    Promise.all(
      batch.map((item) =>
        client
          .notarise(item.request, { idempotencyKey: item.idempotencyKey })
          .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      ),
    );
}

export interface BulkOptions {
  kind: string;
  projectId?: string;
  /** Files hashed at once. */
  hashConcurrency: number;
  /** Batches in flight at once. */
  sendConcurrency: number;
  /** Items per batch (1 until the gateway has a batch endpoint). */
  batchSize?: number;
  /**
   * When the key was already used for another body (the same content notarised before under
   * another file name): find that record instead of failing the file.
   */
  findExisting?: (item: PreparedNotarisation) => Promise<LedgerRecord | undefined>;
  /** Stop sending (the rest end with this error) once this says so, e.g. after a 401. */
  abortOn?: (error: Error) => boolean;
}

export type BulkOutcome =
  | { kind: 'recorded'; item: PreparedNotarisation; result: WriteResult<LedgerRecord<'DocumentNotarised'>> }
  | { kind: 'existing'; item: PreparedNotarisation; record: LedgerRecord }
  | { kind: 'failed'; input: InputFile; sha256?: string; error: Error };

/**
 * Hashes every file (bounded), sends each hash as it is ready (bounded, batched), reports each
 * outcome as it comes. Files with the same content share one notarisation (one key).
 */
export async function notariseAll(
  inputs: readonly InputFile[],
  send: NotarisationSender,
  options: BulkOptions,
  onOutcome: (outcome: BulkOutcome) => void,
): Promise<void> {
  const queue: PreparedNotarisation[] = [];
  const waiting: (() => void)[] = [];
  const wake = () => {
    for (const w of waiting.splice(0)) w();
  };
  let hashingDone = false;
  let aborted: Error | undefined;
  // Same key within a run: the followers wait for the first's answer.
  const followers = new Map<string, { items: PreparedNotarisation[]; result?: WriteResult<LedgerRecord<'DocumentNotarised'>> | Error }>();

  const hashing = pool(inputs, options.hashConcurrency, hashInput, (input, sha256) => {
    if (sha256 instanceof Error) {
      onOutcome({ kind: 'failed', input, error: sha256 });
      return;
    }
    const idempotencyKey = notarisationKey(sha256, options.kind, options.projectId);
    const request: NotariseDocumentRequest = {
      sha256,
      kind: options.kind,
      ...(options.projectId ? { projectId: options.projectId } : {}),
      metadata: { fileName: path.basename(input.file) },
    };
    const item = { ...input, sha256, request, idempotencyKey };
    const same = followers.get(idempotencyKey);
    if (same?.result) {
      report(item, same.result, []);
      return;
    }
    if (same) {
      same.items.push(item);
      return;
    }
    followers.set(idempotencyKey, { items: [] });
    queue.push(item);
    wake();
  }).finally(() => {
    hashingDone = true;
    wake();
  });

  const take = async (): Promise<PreparedNotarisation[] | undefined> => {
    while (queue.length === 0) {
      if (hashingDone) return undefined;
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    return queue.splice(0, options.batchSize ?? 1);
  };
  function report(
    item: PreparedNotarisation,
    result: WriteResult<LedgerRecord<'DocumentNotarised'>> | Error,
    others = followers.get(item.idempotencyKey)?.items ?? [],
  ): void {
    const entry = followers.get(item.idempotencyKey);
    if (entry) entry.result = result;
    for (const one of [item, ...others.splice(0)]) {
      onOutcome(
        result instanceof Error
          ? { kind: 'failed', input: one, sha256: one.sha256, error: result }
          : { kind: 'recorded', item: one, result },
      );
    }
  }
  const sending = Promise.all(
    Array.from({ length: Math.max(1, options.sendConcurrency) }, async () => {
      for (let batch = await take(); batch; batch = await take()) {
        if (aborted) {
          for (const item of batch) report(item, aborted);
          continue;
        }
        const results = await send(batch).catch((error: unknown) =>
          batch.map(() => (error instanceof Error ? error : new Error(String(error)))),
        );
        for (const [i, item] of batch.entries()) {
          const result = results[i] ?? new Error('no answer for this item');
          if (result instanceof Error && options.abortOn?.(result)) aborted ??= result;
          const existing =
            result instanceof TenderLedgerError && result.code === 'IDEMPOTENCY_KEY_REUSED' && options.findExisting
              ? await options.findExisting(item).catch(() => undefined)
              : undefined;
          if (existing) {
            for (const one of [item, ...(followers.get(item.idempotencyKey)?.items.splice(0) ?? [])])
              onOutcome({ kind: 'existing', item: one, record: existing });
            continue;
          }
          report(item, result);
        }
      }
    }),
  );
  await Promise.all([hashing, sending]);
}
