import type { BidInclusionProof } from './inclusion.js';
import { randomUUID } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  BidderRecordsSchema,
  BidInclusionSchema,
  HashLookupSchema,
  HealthSchema,
  JwksSchema,
  ProjectStatusSchema,
  ReceiptCheckSchema,
  RecordWithBlockSchema,
  TrailSchema,
  WritePendingSchema,
  WriteResultSchema,
  jsonValue,
  schemaErrors,
} from '@tender-ledger/domain';
import type {
  AppointCommitteeRequest,
  AwardRequest,
  CommitBidRequest,
  LedgerRecord,
  NotariseDocumentRequest,
  NotariseBatchRequest,
  OpenBidsRequest,
  PublicProjectStatus,
  ProjectState,
  RecordScoresRequest,
  RecordView,
  RegisterBidderRequest,
  RegisterProjectRequest,
  ReleaseDepositRequest,
  ReplaceCommitteeMemberRequest,
  SignContractRequest,
  TrailBody,
  HashLookupBody,
  ReceiptCheckBody,
} from '@tender-ledger/domain';
import { InvalidResponseError, NetworkError, problemError, WritePendingError, type Problem } from './errors.js';
import { sha256File } from './hash.js';

/**
 * How a {@link TenderLedgerClient} reaches the gateway.
 *
 * @example
 * const options: ClientOptions = { baseUrl: 'http://127.0.0.1:8080', token: () => fetchFreshToken(), retries: 5, timeoutMs: 10_000 };
 */
export interface ClientOptions {
  /** The gateway, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A bearer token, or a function giving a fresh one. Verification calls work without. */
  token?: string | (() => string | Promise<string>);
  /** Retries after a network error, a 5xx or a 429 (default 3). */
  retries?: number;
  /** Per-attempt timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /**
   * How long a write answered 202 (outcome not known yet) is asked again, with the same
   * Idempotency-Key, before giving up with a {@link WritePendingError} (default 5 minutes).
   */
  pendingTimeoutMs?: number;
}

/**
 * Per-call options of a recorded step.
 *
 * @example
 * // The platform's own id for the step: a retry, even from another process, records nothing twice.
 * await client.notarise({ sha256, kind: 'announcement' }, { idempotencyKey: `announcement-${sha256}` });
 */
export interface WriteOptions {
  /** Sent as `Idempotency-Key`; by default one is made per call and reused by its retries. */
  idempotencyKey?: string;
}

/**
 * What every recorded step returns: the record and the gateway's signed receipt (回执).
 *
 * @example
 * const { record, receipt }: WriteResult = await client.notarise({ sha256, kind: 'announcement' });
 */
export interface WriteResult<R = LedgerRecord> {
  /** The record as the ledger wrote it (id, hash, previous hash, tx time, payload). */
  record: R;
  /** The gateway's signed receipt, a compact JWS; check it with {@link verifyReceipt}. */
  receipt: string;
}

/**
 * A project's trail and the gateway's chain check (the `Trail` schema of the OpenAPI document).
 *
 * @example
 * const { records, chainValid, complete }: TrailResult = await client.getTrail('GZ-2026-0042');
 */
export type TrailResult = TrailBody;

/**
 * Every record naming a hash, with its block (the `HashLookup` schema).
 *
 * @example
 * const { records }: HashLookup = await client.verifyHash(sha256);
 * if (records.length === 0) console.log('never recorded');
 */
export type HashLookup = HashLookupBody;

/**
 * The gateway's online check of a receipt (the `ReceiptCheck` schema).
 *
 * @example
 * const { valid, onLedger, recordUnchanged, blockMatches }: OnlineReceiptCheck = await client.verifyReceiptOnline(receipt);
 */
export type OnlineReceiptCheck = ReceiptCheckBody;

const RETRYABLE = (status: number) => status >= 500 || status === 429;

/**
 * The typed client for the gateway. Writes carry an idempotency key and are retried on network
 * errors, 5xx and 429 — always with the same key, so a retry never records twice; a 202 (the
 * outcome is not known yet) is asked again with that key until it is. Errors are typed by their
 * problem code.
 *
 * @example
 * const client = new TenderLedgerClient({ baseUrl: 'http://127.0.0.1:8080', token });
 * const { record, receipt } = await client.notarise({ sha256, kind: 'announcement' });
 */
export class TenderLedgerClient {
  readonly #baseUrl: string;
  readonly #token: ClientOptions['token'];
  readonly #retries: number;
  readonly #timeoutMs: number;
  readonly #pendingTimeoutMs: number;

  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#retries = options.retries ?? 3;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#pendingTimeoutMs = options.pendingTimeoutMs ?? 300_000;
  }

  /**
   * Registers a tender project: estimated price and deposit in integer fen, the bid deadline
   * in the future, the opening not before it, the tender documents' hash.
   *
   * @example
   * await client.registerProject({ projectId: 'GZ-2026-0042', name: '市政道路改造工程', category: 'construction',
   *   estimatedPrice: 100_000_000, depositAmount: 2_000_000, bidDeadline, openingTime, tenderDocSha256 });
   */
  registerProject(request: RegisterProjectRequest, options?: WriteOptions): Promise<WriteResult<LedgerRecord<'ProjectRegistered'>>> {
    return this.#write('/v1/projects', request, options);
  }

  /**
   * Registers a bidder before the deadline with its deposit (at least the project's).
   *
   * @example
   * await client.registerBidder('GZ-2026-0042', { bidderId: 'B1', deposit: { form: 'cash', amount: 2_000_000 } });
   */
  registerBidder(
    projectId: string,
    request: RegisterBidderRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'BidderRegistered'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/bidders`, request, options);
  }

  /**
   * Records a sealed bid's commitment (see {@link commitBid}); nothing else of the bid is sent.
   *
   * @example
   * const { commitment, reveal } = commitBid({ projectId, bidderId: 'B1', bidFileSha256, price: 98_500_000 });
   * await client.submitBid(projectId, { bidderId: 'B1', commitment });
   */
  submitBid(projectId: string, request: CommitBidRequest, options?: WriteOptions): Promise<WriteResult<LedgerRecord<'BidCommitted'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/bids`, request, options);
  }

  /**
   * Withdraws a bidder's bid before the deadline; final, and its deposit becomes due back.
   *
   * @example
   * await client.withdrawBid('GZ-2026-0042', 'B2');
   */
  withdrawBid(projectId: string, bidderId: string, options?: WriteOptions): Promise<WriteResult<LedgerRecord<'BidWithdrawn'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/bids/${enc(bidderId)}/withdrawal`, {}, options);
  }

  /**
   * Appoints the evaluation committee before the opening: at least 5 experts, an odd number,
   * drawn from the expert database, with the hash of the draw record. Only members score.
   *
   * @example
   * await client.appointCommittee('GZ-2026-0042', { members: ['E1', 'E2', 'E3', 'E4', 'E5'], appointmentDocSha256 });
   */
  appointCommittee(
    projectId: string,
    request: AppointCommitteeRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'CommitteeAppointed'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/committee`, request, options);
  }

  /**
   * Replaces a committee member who has not scored, for a stated reason with its document.
   *
   * @example
   * await client.replaceCommitteeMember(projectId, { memberId: 'E2', replacementId: 'E6', reason: '回避', reasonDocSha256 });
   */
  replaceCommitteeMember(
    projectId: string,
    request: ReplaceCommitteeMemberRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'CommitteeMemberReplaced'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/committee/replacements`, request, options);
  }

  /**
   * Opens the bids at the opening time with the bidders' reveals (as {@link commitBid} gave
   * them); fewer than 3 live bids records a failed tender instead.
   *
   * @example
   * const { record } = await client.openBids('GZ-2026-0042', { reveals: [reveal1, reveal2, reveal3] });
   */
  openBids(
    projectId: string,
    request: OpenBidsRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'BidsOpened' | 'TenderFailed'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/opening`, request, options);
  }

  /**
   * One committee member's scores, in integer hundredths of a point (9150 is 91.50), with the
   * hash of the evaluation report.
   *
   * @example
   * await client.recordScores('GZ-2026-0042', { evaluatorId: 'E1', reportSha256, scores: [{ bidderId: 'B1', score: 9150 }] });
   */
  recordScores(
    projectId: string,
    request: RecordScoresRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'ScoresRecorded'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/scores`, request, options);
  }

  /**
   * Awards the tender once every member has scored every valid bid: the first-ranked bid, or
   * another with a reason and its document hash.
   *
   * @example
   * await client.awardBid('GZ-2026-0042', { bidderId: 'B1', noticeSha256 });
   */
  awardBid(projectId: string, request: AwardRequest, options?: WriteOptions): Promise<WriteResult<LedgerRecord<'BidAwarded'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/award`, request, options);
  }

  /**
   * Records the signed contract after the award.
   *
   * @example
   * await client.signContract('GZ-2026-0042', { contractSha256 });
   */
  signContract(
    projectId: string,
    request: SignContractRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'ContractSigned'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/contract`, request, options);
  }

  /**
   * Releases a bidder's deposit when due (after a withdrawal, a failed tender, the award for
   * losers, the contract for the winner), in fen, with any interest.
   *
   * @example
   * await client.releaseDeposit('GZ-2026-0042', 'B2', { amount: 2_000_000 });
   */
  releaseDeposit(
    projectId: string,
    bidderId: string,
    request: ReleaseDepositRequest,
    options?: WriteOptions,
  ): Promise<WriteResult<LedgerRecord<'DepositReleased'>>> {
    return this.#write(`/v1/projects/${enc(projectId)}/deposits/${enc(bidderId)}/release`, request, options);
  }

  /**
   * Notarises a document by its hash (存证), standalone or linked to a project.
   *
   * @example
   * const { record, receipt } = await client.notarise({ sha256, kind: 'announcement', projectId: 'GZ-2026-0042' });
   */
  notarise(request: NotariseDocumentRequest, options?: WriteOptions): Promise<WriteResult<LedgerRecord<'DocumentNotarised'>>> {
    return this.#write('/v1/evidence', request, options);
  }

  /**
   * Notarises up to 10,000 document hashes in one transaction: the record holds their Merkle
   * root. Each hash's inclusion proof is `batchInclusion(hashes, sha256)` (computed locally) or
   * `verifyHash(sha256)` (from the ledger); `verifyBatchInclusion` checks one offline.
   *
   * @example
   * const { record } = await client.notariseBatch({ hashes, kind: 'archive' });
   * verifyBatchInclusion(hashes[0], batchInclusion(hashes, hashes[0]), record.payload.merkleRoot); // true
   */
  notariseBatch(request: NotariseBatchRequest, options?: WriteOptions): Promise<WriteResult<LedgerRecord<'BatchNotarised'>>> {
    return this.#write('/v1/evidence/batch', request, options);
  }

  /**
   * Hashes a file locally (streamed; the file is never sent) and notarises the hash.
   *
   * @example
   * const { record, receipt } = await client.notariseFile('招标公告.pdf', { kind: 'announcement' });
   */
  async notariseFile(
    path: string,
    request: Omit<NotariseDocumentRequest, 'sha256'>,
    options?: WriteOptions & { onProgress?: (read: number, size: number) => void },
  ): Promise<WriteResult<LedgerRecord<'DocumentNotarised'>>> {
    const sha256 = await sha256File(path, options?.onProgress);
    return this.notarise({ ...request, sha256 }, options);
  }

  /**
   * A project's state as the caller may see it (the public sees a redacted status).
   *
   * @example
   * const { status } = await client.getProject('GZ-2026-0042');
   */
  getProject(projectId: string): Promise<ProjectState | PublicProjectStatus> {
    return this.#request(ProjectStatusSchema, 'GET', `/v1/projects/${enc(projectId)}`);
  }

  /**
   * The project's trail as the caller may see it, and whether its hash chain holds.
   *
   * @example
   * const { records, chainValid } = await client.getTrail('GZ-2026-0042');
   */
  getTrail(projectId: string): Promise<TrailResult> {
    return this.#request(TrailSchema, 'GET', `/v1/projects/${enc(projectId)}/trail`);
  }

  /**
   * One record with its block (the public view without a token).
   *
   * @example
   * const view = await client.getRecord(recordId);
   */
  getRecord(recordId: string): Promise<RecordView> {
    return this.#request(RecordWithBlockSchema, 'GET', `/v1/records/${enc(recordId)}`);
  }

  /**
   * A bidder's own records in a project (for that bidder, the owning platform or a regulator).
   *
   * @example
   * const { records } = await client.bidderRecords('GZ-2026-0042', 'B1');
   */
  bidderRecords(projectId: string, bidderId: string): Promise<{ projectId: string; bidderId: string; records: LedgerRecord[] }> {
    return this.#request(BidderRecordsSchema, 'GET', `/v1/projects/${enc(projectId)}/bidders/${enc(bidderId)}/records`);
  }

  /**
   * After the opening, a bidder's completeness proof: check it with `verifyBidInclusion` and the bidder's last receipt.
   *
   * @example
   * const result = verifyBidInclusion(await client.bidInclusion(projectId, bidderId), claims, bidderId);
   * if (!result.included) console.log(result.reason, result.detail);
   */
  bidInclusion(projectId: string, bidderId: string): Promise<BidInclusionProof> {
    return this.#request(BidInclusionSchema, 'GET', `/v1/projects/${enc(projectId)}/bids/${enc(bidderId)}/inclusion`, undefined, {
      auth: false,
    });
  }

  /**
   * Public: every record of a document hash.
   *
   * @example
   * const { records } = await client.verifyHash(sha256);
   */
  verifyHash(sha256: string): Promise<HashLookup> {
    return this.#request(HashLookupSchema, 'GET', `/v1/verify/${enc(sha256)}`, undefined, { auth: false });
  }

  /**
   * Hashes a file locally and looks the hash up.
   *
   * @example
   * const { records } = await client.verifyFile('招标公告.pdf');
   */
  async verifyFile(path: string, onProgress?: (read: number, size: number) => void): Promise<HashLookup> {
    return this.verifyHash(await sha256File(path, onProgress));
  }

  /**
   * Public: the gateway checks the signature and that the record is on the ledger, unchanged.
   *
   * @example
   * const { valid } = await client.verifyReceiptOnline(receipt);
   */
  verifyReceiptOnline(receipt: string): Promise<OnlineReceiptCheck> {
    return this.#request(ReceiptCheckSchema, 'POST', '/v1/receipts/verify', { receipt }, { auth: false });
  }

  /**
   * The gateway's receipt keys, for {@link verifyReceipt} offline.
   *
   * @example
   * const jwks = await client.jwks(); // fetch once, keep it
   */
  jwks(): Promise<JSONWebKeySet> {
    return this.#request(JwksSchema, 'GET', '/.well-known/jwks.json', undefined, { auth: false });
  }

  /**
   * The gateway's health and ledger height.
   *
   * @example
   * const { status, ledger } = await client.health();
   */
  health(): Promise<{ status: string; ledger: { backend: string; height?: number } }> {
    return this.#request(HealthSchema, 'GET', '/healthz', undefined, { auth: false });
  }

  #write<T>(path: string, body: unknown, options?: WriteOptions): Promise<T> {
    return this.#request(WriteResultSchema, 'POST', path, body, { idempotencyKey: options?.idempotencyKey ?? randomUUID() });
  }

  /**
   * Sends a request (retrying as the class says) and returns its answer once checked against
   * `schema`, the answer's schema in the gateway's OpenAPI document: a body of any other shape
   * is refused with an InvalidResponseError, never handed to the caller as if it were one.
   */
  async #request<T>(
    schema: TSchema,
    method: string,
    path: string,
    body?: unknown,
    options: { idempotencyKey?: string; auth?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.auth !== false && this.#token !== undefined) {
      headers.authorization = `Bearer ${typeof this.#token === 'function' ? await this.#token() : this.#token}`;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let pendingSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(this.#baseUrl + path, { method, headers, body: payload, signal: AbortSignal.timeout(this.#timeoutMs) });
      } catch (cause) {
        if (attempt < this.#retries) {
          await backoff(attempt);
          continue;
        }
        throw new NetworkError(`${method} ${path} failed: ${(cause as Error).message}`, { cause });
      }
      const text = await response.text();
      if (response.status === 202 && options.idempotencyKey) {
        // Under way or not known yet: the gateway sends nothing new for this key, so asking again is safe.
        const pending = parsePending(text);
        pendingSince ??= Date.now();
        if (Date.now() - pendingSince >= this.#pendingTimeoutMs) {
          throw new WritePendingError(
            `${method} ${path}: the outcome is still not known${pending.txId ? ` (transaction ${pending.txId})` : ''}; send it again later with Idempotency-Key ${options.idempotencyKey}`,
            options.idempotencyKey,
            pending.txId,
          );
        }
        attempt = -1; // a pending answer is not a failure: the retry budget starts again
        await backoff(0, response.headers.get('retry-after'));
        continue;
      }
      if (response.ok) {
        // Checked against the schema, so the cast only names the documented shape.
        return documented(schema, text, `${method} ${path}`, response.status) as T;
      }
      if (RETRYABLE(response.status) && attempt < this.#retries) {
        await backoff(attempt, response.headers.get('retry-after'));
        continue;
      }
      throw problemError(parseProblem(text, response.status));
    }
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** A successful answer's body, if it is JSON of the documented schema; else an InvalidResponseError naming what is wrong. */
function documented(schema: TSchema, text: string, call: string, status: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidResponseError(
      `${call} answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
      status,
      [{ field: '/', message: 'not JSON' }],
      { cause },
    );
  }
  const fields = schemaErrors(schema, value);
  if (fields.length > 0) {
    throw new InvalidResponseError(
      `${call} answered ${status} with a body that is not the documented one: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`,
      status,
      fields,
    );
  }
  return value;
}

function parsePending(text: string): { txId?: string } {
  // Only a hint for the error message: a 202 of another shape is still "not known yet".
  const pending = jsonValue(text);
  return schemaErrors(WritePendingSchema, pending).length === 0 ? { txId: (pending as { txId?: string }).txId } : {};
}

/**
 * What a problem document must hold for its code to be believed. Open: a newer gateway's fields
 * and codes pass (the code is matched by callers, not by this client).
 */
const ProblemShape = Type.Object({
  code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
  type: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});

function parseProblem(text: string, status: number): Problem {
  const parsed = jsonValue(text);
  if (schemaErrors(ProblemShape, parsed).length === 0) return { ...(parsed as Static<typeof ProblemShape>), status };
  // Not a problem document (a proxy's page, say): the status alone says what kind of failure.
  return { status, code: status >= 500 ? 'INTERNAL' : 'UNKNOWN', detail: text.slice(0, 200) };
}

async function backoff(attempt: number, retryAfter?: string | null): Promise<void> {
  const hinted = retryAfter ? Number(retryAfter) * 1000 : Number.NaN;
  const ms = Number.isFinite(hinted) ? Math.min(hinted, 10_000) : Math.min(100 * 2 ** attempt, 2_000) * (0.5 + Math.random() / 2);
  await new Promise((resolve) => setTimeout(resolve, ms));
}
