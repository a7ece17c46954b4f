/**
 * Every error code the ledger, the gateway and the SDK can report, with the HTTP status the
 * gateway answers it with. Codes are stable: clients match on them, never on message text.
 * A rule violation is a 409 whose code names the rule.
 */
export const ERROR_CODES = {
  // Input that does not match its schema.
  INVALID_ARGUMENT: { status: 400, title: 'The request is not valid' },

  // Who may do what.
  NOT_PROJECT_OWNER: { status: 403, title: 'Only the platform that registered the project may write its steps' },
  READ_ONLY_IDENTITY: { status: 403, title: 'A regulator identity reads everything and writes nothing' },

  // Things that are not there.
  PROJECT_NOT_FOUND: { status: 404, title: 'No such project' },
  RECORD_NOT_FOUND: { status: 404, title: 'No such record' },

  // Project registration (IR art. 26, BL art. 34).
  PROJECT_EXISTS: { status: 409, title: 'A project with this id is already registered' },
  DEPOSIT_ABOVE_LIMIT: { status: 409, title: 'The deposit may not exceed 2% of the estimated price' },
  OPENING_BEFORE_DEADLINE: { status: 409, title: 'The opening time may not be before the bid deadline' },
  BID_DEADLINE_PASSED: { status: 409, title: 'The bid deadline is already past' },

  // Bidders and bids (BL art. 28, 29; IR art. 35).
  BIDDER_EXISTS: { status: 409, title: 'This bidder is already registered for the project' },
  REGISTRATION_AFTER_DEADLINE: { status: 409, title: 'Bidders may not register after the bid deadline' },
  DEPOSIT_INSUFFICIENT: { status: 409, title: 'The deposit paid is less than the project requires' },
  BIDDER_NOT_REGISTERED: { status: 409, title: 'The bidder has not registered for the project' },
  BID_AFTER_DEADLINE: { status: 409, title: 'Bids arriving after the bid deadline are refused' },
  BID_WITHDRAWN: { status: 409, title: 'The bid was withdrawn; a withdrawal is final' },
  BID_NOT_FOUND: { status: 409, title: 'The bidder has no bid to withdraw' },
  WITHDRAWAL_AFTER_DEADLINE: { status: 409, title: 'A bid may only be withdrawn before the bid deadline' },
  BIDDING_STILL_OPEN: { status: 409, title: 'Bidding closes at the bid deadline, not before' },
  BIDDING_ALREADY_CLOSED: { status: 409, title: 'Bidding of this project was already closed' },

  // Opening (BL art. 34, IR art. 44).
  OPENING_TOO_EARLY: { status: 409, title: 'Bids may not be opened before the opening time' },
  ALREADY_OPENED: { status: 409, title: 'The bids of this project were already opened' },
  REVEAL_WITHOUT_BID: { status: 409, title: 'A reveal names a bidder with no live bid' },
  TENDER_FAILED: { status: 409, title: 'The tender failed (fewer than 3 bids); only documents may follow' },

  // The evaluation committee (BL art. 37; IR art. 46, 48).
  COMMITTEE_TOO_SMALL: { status: 409, title: 'The evaluation committee needs at least 5 members' },
  COMMITTEE_NOT_ODD: { status: 409, title: 'The evaluation committee must have an odd number of members' },
  COMMITTEE_EXISTS: {
    status: 409,
    title: 'The evaluation committee of this project was already appointed; members change only by replacement',
  },
  COMMITTEE_AFTER_OPENING: { status: 409, title: 'The evaluation committee is appointed before the bids are opened' },
  COMMITTEE_NOT_APPOINTED: { status: 409, title: 'No evaluation committee has been appointed for this project' },
  NOT_COMMITTEE_MEMBER: { status: 409, title: 'Only a member of the appointed evaluation committee scores or is replaced' },
  MEMBER_HAS_SCORED: { status: 409, title: 'A member who has scored may not be replaced' },
  ALREADY_COMMITTEE_MEMBER: { status: 409, title: 'The replacement is or was already a member of the committee' },

  // Evaluation and award (BL art. 37, IR art. 55).
  NOT_OPENED: { status: 409, title: 'The bids have not been opened' },
  SCORE_FOR_INVALID_BID: { status: 409, title: 'Only valid opened bids are scored' },
  SCORE_DUPLICATE: { status: 409, title: 'Each evaluator scores each bid once' },
  ALREADY_AWARDED: { status: 409, title: 'The project was already awarded' },
  SCORING_INCOMPLETE: { status: 409, title: 'Every committee member must score every valid bid before the award' },
  AWARD_TO_UNSCORED_BID: { status: 409, title: 'The award must go to a valid, scored bid' },
  AWARD_NOT_FIRST_RANKED: { status: 409, title: 'Awarding other than the first-ranked bid needs a reason and its document hash' },
  AWARD_TIE_NEEDS_REASON: { status: 409, title: 'When bids tie for the first rank, choosing one needs a reason and its document hash' },

  // Documents (DOMAIN rule 11).
  CORRECTION_NOT_ALLOWED: {
    status: 409,
    title: 'A correction names an earlier record of the same project (or standalone record) by the same writer',
  },
  EVIDENCE_EXISTS: { status: 409, title: 'Evidence is never overwritten: a record already exists under this key' },

  // Contract (BL art. 46).
  CONTRACT_BEFORE_AWARD: { status: 409, title: 'The contract may only be signed after the award' },
  CONTRACT_EXISTS: { status: 409, title: 'The contract of this project was already recorded' },

  // Deposits (IR art. 35, 57).
  RELEASE_NOT_DUE: { status: 409, title: 'A deposit is released only after the award, a withdrawal or a failed tender' },
  DEPOSIT_ALREADY_RELEASED: { status: 409, title: 'A deposit is released once' },
  RELEASE_ABOVE_DEPOSIT: { status: 409, title: 'A release may not exceed the deposit paid' },

  // Trusted time on Fabric (DOMAIN rule 12).
  CLOCK_SKEW: { status: 409, title: "The transaction timestamp is too far from the endorsing peer's clock" },

  // Transparency log (C2SP tlog-checkpoint, signed-note, tlog-cosignature, tlog-witness, tlog-proof).
  // Each names the part that failed, so a verifier can say what it refused.
  TLOG_NOTE_MALFORMED: { status: 400, title: 'The signed note, checkpoint or cosignature is not in the C2SP format' },
  TLOG_KEY_MALFORMED: { status: 400, title: 'The verifier key, signer key or policy is not in the C2SP format' },
  TLOG_PROOF_MALFORMED: { status: 400, title: 'The proof (tlog-proof bundle or Merkle proof) is not in the expected format' },
  TLOG_ORIGIN_UNKNOWN: { status: 404, title: 'The checkpoint names a log that is not trusted here' },
  TLOG_SIGNATURE_MISSING: { status: 403, title: "The checkpoint carries no signature by the log's key" },
  TLOG_SIGNATURE_INVALID: { status: 403, title: 'A signature by a known key does not verify' },
  TLOG_COSIGNATURE_INVALID: { status: 403, title: 'A witness cosignature by a known key does not verify' },
  TLOG_QUORUM_NOT_MET: { status: 403, title: 'Fewer witnesses cosigned the checkpoint than the policy requires' },
  TLOG_INCLUSION_INVALID: { status: 422, title: "The inclusion proof does not lead to the checkpoint's root hash" },
  TLOG_CONSISTENCY_INVALID: { status: 422, title: 'The consistency proof does not join the two tree heads' },
  TLOG_SIZE_CONFLICT: { status: 409, title: 'The old tree size does not match the latest checkpoint seen' },
  TLOG_TILE_INVALID: { status: 422, title: "A tile or entry bundle does not hash to the checkpoint's tree" },
  TLOG_SPLIT_VIEW: { status: 409, title: 'Two checkpoints of the same log and size have different root hashes' },
  TLOG_RECORD_ALTERED: { status: 422, title: 'The record given does not hash to its own hash: its content is not what the log holds' },

  // The gateway's own answers.
  UNAUTHENTICATED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'This role may not do this' },
  ISSUER_NOT_AUTHORISED: { status: 403, title: "The token's issuer may not grant this role to this subject" },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  // A Fabric gateway with FABRIC_TLOG off: not "no such record", so clients need not guess.
  LOG_NOT_KEPT: { status: 404, title: 'This gateway keeps no transparency log' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'This path does not answer this method' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Request bodies must be application/json' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'This Idempotency-Key was used for a different request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests; retry after the time given' },
  INTERNAL: { status: 500, title: 'The gateway failed unexpectedly' },
  LEDGER_UNAVAILABLE: { status: 503, title: 'The ledger cannot be reached; retry later' },
  // The store lost or changed acknowledged blocks; nothing is served until an operator acts.
  LEDGER_DAMAGED: { status: 503, title: 'The ledger store is damaged; it serves nothing until an operator repairs it' },
  SHUTTING_DOWN: { status: 503, title: 'The gateway is shutting down; retry shortly' },
  // The record is on the ledger, but no checkpoint its witnesses cosigned covers it yet.
  PROOF_NOT_READY: { status: 503, title: 'No witnessed checkpoint covers this record yet; retry shortly' },
} as const satisfies Record<string, { status: number; title: string }>;

/**
 * Every stable error code (`BID_AFTER_DEADLINE`, `TLOG_INCLUSION_INVALID`, ...), each with its HTTP status.
 *
 * @example const code: ErrorCode = 'PROJECT_NOT_FOUND';
 */
export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/**
 * An error the ledger reports. A Fabric peer passes only a message to the client, so the
 * message starts with the code (`BID_AFTER_DEADLINE: ...`) and {@link parseLedgerError}
 * turns it back into a typed error on the other side. The SDK's `verifyProof` throws it too.
 *
 * @example
 * try { verifyProof(bundle, record.hash, policy); } catch (error) {
 *   if (error instanceof LedgerError && error.code === 'TLOG_QUORUM_NOT_MET') console.log(error.detail);
 * }
 */
export class LedgerError extends Error {
  override name = 'LedgerError';
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.code = code;
    this.detail = detail;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

const CODE_TOKEN = /\b([A-Z][A-Z_]{2,}): /g;

/**
 * Finds a ledger error code in a message that crossed a boundary (a peer's endorsement
 * error wraps the chaincode's message in its own text, e.g. `10 ABORTED: ... BID_AFTER_DEADLINE: ...`).
 * Only known codes count, so callers never guess from free text; undefined when there is none.
 */
export function parseLedgerError(message: string): LedgerError | undefined {
  for (const match of message.matchAll(CODE_TOKEN)) {
    const code = match[1] ?? '';
    if (isErrorCode(code)) {
      return new LedgerError(code, message.slice((match.index ?? 0) + match[0].length));
    }
  }
  return undefined;
}
