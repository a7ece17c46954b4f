import { FormatRegistry, Kind, Type, TypeRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { LedgerError } from './errors.js';
import { isInstant, RFC3339_INSTANT_PATTERN } from './instant.js';

// RFC 3339 date-time with an explicit offset (a deadline without a zone is ambiguous evidence)
// that names a real instant. Set, not only added: every schema here means this by `date-time`.
FormatRegistry.Set('date-time', isInstant);

/** A SHA-256 digest as 64 lowercase hex characters. */
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, 64 lowercase hex characters' });
/** Identifiers of projects, bidders and evaluators: printable, no separators the ledger uses. */
export const Identifier = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: '1-64 characters: letters, digits, . _ -',
});
/** Money as an integer number of fen (分); never floating point. */
export const Fen = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'integer amount in fen (分)' });
/** An instant, ISO 8601 / RFC 3339 with a zone. */
export const Instant = Type.String({
  format: 'date-time',
  pattern: RFC3339_INSTANT_PATTERN,
  description: 'RFC 3339 date-time with zone, upper-case T and Z, naming a real instant (no 2026-02-30, T24:00:00 or leap second :60)',
});
/** A record id is its transaction id: printable ASCII, so it is safe in a ledger key (no U+0000 or U+10FFFF). */
const RECORD_ID = { minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' };
export const RecordId = Type.String({ ...RECORD_ID, description: 'a record id (= its transaction id)' });
/** The bidder's secret salt: at least 128 bits as hex, so a price cannot be guessed from its commitment. */
export const Salt = Type.String({ pattern: '^[0-9a-f]{32,128}$', description: '32-128 lowercase hex characters' });
/**
 * Text RFC 8785 can canonicalise: well-formed UTF-16 (no lone surrogate, which JCS refuses and
 * UTF-8 cannot carry) and no NUL (which C-string tools and some JCS implementations cut at).
 * Published as `format: jcs-text`, not a pattern: no regular expression says "no lone
 * surrogate" alike in JavaScript without the `u` flag, in Rust (which cannot hold one) and in
 * Python. Its length counts characters (code points), as JSON Schema's `maxLength` does, not
 * UTF-16 units as JavaScript's `length` would: 𝕋 is one character.
 */
export const JCS_TEXT_FORMAT = 'jcs-text';
// A high surrogate not followed by a low one, a low one not preceded by a high one, or NUL
// (String.prototype.isWellFormed says the same, but not in every browser the pages serve).
// eslint-disable-next-line no-control-regex -- NUL is one of the characters this pattern exists to refuse
const NOT_JCS_TEXT = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;
const isJcsText = (value: string) => !NOT_JCS_TEXT.test(value);
/** Characters as JSON Schema counts them (code points). */
const characters = (value: string) => value.length - (value.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);

interface JcsTextOptions {
  minLength?: number;
  maxLength: number;
  description?: string;
}
const JCS_TEXT_KIND = 'JcsText';
if (!TypeRegistry.Has(JCS_TEXT_KIND)) {
  TypeRegistry.Set<JcsTextOptions>(
    JCS_TEXT_KIND,
    (schema, value) =>
      typeof value === 'string' &&
      isJcsText(value) &&
      characters(value) >= (schema.minLength ?? 0) &&
      characters(value) <= schema.maxLength,
  );
}

/** A free-text string every JCS implementation can canonicalise; use it for every free-text field of a record. */
export const JcsText = (options: JcsTextOptions) =>
  Type.Unsafe<string>({
    [Kind]: JCS_TEXT_KIND,
    type: 'string',
    format: JCS_TEXT_FORMAT,
    description: 'well-formed Unicode text without NUL (RFC 8785)',
    ...options,
  });

/** Why a value is not the JcsText its schema asks for, in words for the 400. */
function jcsTextMessage(schema: JcsTextOptions, value: unknown): string {
  if (typeof value !== 'string') return 'must be a string';
  if (!isJcsText(value)) return 'must be well-formed Unicode without NUL (RFC 8785)';
  return `must be ${String(schema.minLength ?? 0)}-${String(schema.maxLength)} characters`;
}

const Text = (maxLength: number) => JcsText({ minLength: 1, maxLength });

export const RegisterProjectRequest = Type.Object(
  {
    projectId: Identifier,
    name: Text(200),
    category: Text(100),
    tenderer: Type.Optional(Text(200)),
    estimatedPrice: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'integer amount in fen (分)' }),
    depositAmount: Fen,
    bidDeadline: Instant,
    openingTime: Instant,
    tenderDocSha256: Sha256Hex,
  },
  { additionalProperties: false },
);
export type RegisterProjectRequest = Static<typeof RegisterProjectRequest>;

export const CashDeposit = Type.Object(
  {
    form: Type.Literal('cash'),
    amount: Fen,
  },
  { additionalProperties: false },
);
export const GuaranteeDeposit = Type.Object(
  {
    form: Type.Literal('guarantee'),
    amount: Fen,
    issuer: Text(200),
    reference: Text(100),
    docSha256: Sha256Hex,
  },
  { additionalProperties: false, description: 'A bank guarantee letter (保函): issuer, letter number and the hash of the letter' },
);
export const Deposit = Type.Union([CashDeposit, GuaranteeDeposit]);
export type Deposit = Static<typeof Deposit>;

export const RegisterBidderRequest = Type.Object(
  {
    bidderId: Identifier,
    deposit: Deposit,
  },
  { additionalProperties: false },
);
export type RegisterBidderRequest = Static<typeof RegisterBidderRequest>;

export const CommitBidRequest = Type.Object(
  {
    bidderId: Identifier,
    commitment: Sha256Hex,
  },
  { additionalProperties: false },
);
export type CommitBidRequest = Static<typeof CommitBidRequest>;

/** What a bidder hands over at the opening: exactly what `OpenBidsRequest.reveals` takes. */
export const Reveal = Type.Object(
  {
    bidderId: Identifier,
    bidFileSha256: Sha256Hex,
    price: Fen,
    salt: Salt,
  },
  { additionalProperties: false },
);
export type Reveal = Static<typeof Reveal>;

/**
 * What a bidder seals: the reveal and the project it is for. Its commitment is
 * {@link bidCommitment}; the project is in the opening's path, so the reveal leaves it out.
 */
export const SealedBid = Type.Object(
  {
    projectId: Identifier,
    ...Reveal.properties,
  },
  { additionalProperties: false },
);
export type SealedBid = Static<typeof SealedBid>;

export const OpenBidsRequest = Type.Object(
  {
    reveals: Type.Array(Reveal, { maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type OpenBidsRequest = Static<typeof OpenBidsRequest>;

/** The most members a committee may have: far above any real one, it bounds the work of a transaction. */
export const MAX_COMMITTEE = 99;

export const AppointCommitteeRequest = Type.Object(
  {
    members: Type.Array(Identifier, { minItems: 1, maxItems: MAX_COMMITTEE, uniqueItems: true, description: 'expert ids, each once' }),
    appointmentDocSha256: Sha256Hex,
  },
  {
    additionalProperties: false,
    description:
      'The evaluation committee drawn at random from the expert database (IR art. 46), with the hash of the draw record (专家抽取记录)',
  },
);
export type AppointCommitteeRequest = Static<typeof AppointCommitteeRequest>;

export const ReplaceCommitteeMemberRequest = Type.Object(
  {
    memberId: Identifier,
    replacementId: Identifier,
    reason: Text(2000),
    reasonDocSha256: Sha256Hex,
  },
  { additionalProperties: false, description: 'Replaces a member who has not scored, for a stated reason (IR art. 48)' },
);
export type ReplaceCommitteeMemberRequest = Static<typeof ReplaceCommitteeMemberRequest>;

/** The highest score: scores are integer hundredths of a point, 0-100.00, so ranking is exact. */
export const MAX_SCORE = 10_000;

export const Score = Type.Object(
  {
    bidderId: Identifier,
    score: Type.Integer({ minimum: 0, maximum: MAX_SCORE, description: 'integer hundredths of a point, 0-10000 (100.00 points)' }),
  },
  { additionalProperties: false },
);

export const RecordScoresRequest = Type.Object(
  {
    evaluatorId: Identifier,
    reportSha256: Sha256Hex,
    scores: Type.Array(Score, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type RecordScoresRequest = Static<typeof RecordScoresRequest>;

export const AwardRequest = Type.Object(
  {
    bidderId: Identifier,
    noticeSha256: Sha256Hex,
    reason: Type.Optional(Text(2000)),
    reasonDocSha256: Type.Optional(Sha256Hex),
  },
  { additionalProperties: false },
);
export type AwardRequest = Static<typeof AwardRequest>;

export const SignContractRequest = Type.Object(
  {
    contractSha256: Sha256Hex,
  },
  { additionalProperties: false },
);
export type SignContractRequest = Static<typeof SignContractRequest>;

export const ReleaseDepositRequest = Type.Object(
  {
    amount: Fen,
    interest: Type.Optional(Fen),
  },
  { additionalProperties: false },
);
export type ReleaseDepositRequest = Static<typeof ReleaseDepositRequest>;

export const NotariseDocumentRequest = Type.Object(
  {
    sha256: Sha256Hex,
    kind: Text(64),
    projectId: Type.Optional(Identifier),
    // A record id, not free text: it becomes part of a ledger key, where U+0000 and U+10FFFF are
    // delimiters (a NUL here was a 500 until schemathesis found it).
    corrects: Type.Optional(Type.String({ ...RECORD_ID, description: 'id of an earlier record this document corrects' })),
    metadata: Type.Optional(
      Type.Record(
        // Keys are schema patterns, which cannot name lone surrogates portably: 1-64 characters of
        // the Basic Multilingual Plane without NUL or surrogates, alike in every regex engine.
        Type.String({
          pattern: '^[\\u0001-\\uD7FF\\uE000-\\uFFFF]{1,64}$',
          description: '1-64 characters of the Basic Multilingual Plane, no NUL',
        }),
        JcsText({ maxLength: 1024 }),
        { maxProperties: 32, additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type NotariseDocumentRequest = Static<typeof NotariseDocumentRequest>;

/** The most document hashes one batch notarisation takes (one transaction, one record). */
export const MAX_BATCH = 10_000;
/** Many document hashes in one transaction: the record holds their RFC 9162 Merkle root (leaf: the hash's 32 bytes). */
export const NotariseBatchRequest = Type.Object(
  {
    // Duplicates are refused by the contract (a Set), not by uniqueItems, which compares pairwise.
    hashes: Type.Array(Sha256Hex, { minItems: 1, maxItems: MAX_BATCH }),
    kind: Text(64),
  },
  { additionalProperties: false },
);
export type NotariseBatchRequest = Static<typeof NotariseBatchRequest>;

/**
 * The same batch as the chaincode takes it from the gateway: the hashes' 32 raw bytes each, in
 * order, in base64. Every endorsing peer, the orderer and every committing peer carry a batch's
 * argument in its transaction: packed, it is 0.43 MB for 10,000 hashes instead of 0.67 MB of hex
 * JSON. (The chaincode still takes `NotariseBatchRequest` from a caller that sends hex.)
 */
export const PackedBatchRequest = Type.Object(
  {
    packed: Type.String({
      minLength: 44,
      maxLength: Math.ceil((MAX_BATCH * 32) / 3) * 4,
      pattern: '^[A-Za-z0-9+/]*={0,2}$',
      description: 'the hashes, 32 bytes each, concatenated, in base64',
    }),
    kind: Text(64),
  },
  { additionalProperties: false },
);
export type PackedBatchRequest = Static<typeof PackedBatchRequest>;

/** One field that failed validation: a JSON pointer and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

type Checker = Pick<TypeCheck<TSchema>, 'Check' | 'Errors'>;
const compiled = new WeakMap<TSchema, Checker>();

/** A compiled checker; where a Content-Security-Policy forbids eval (the web pages), the interpreted one. */
function checkerFor(schema: TSchema): Checker {
  let check = compiled.get(schema);
  if (!check) {
    try {
      check = TypeCompiler.Compile(schema);
    } catch {
      check = { Check: (value: unknown) => Value.Check(schema, value), Errors: (value: unknown) => Value.Errors(schema, value) } as Checker;
    }
    compiled.set(schema, check);
  }
  return check;
}

/** Every field of `value` that breaks `schema` (empty when valid). */
export function schemaErrors(schema: TSchema, value: unknown): FieldError[] {
  const check = checkerFor(schema);
  if (check.Check(value)) {
    return [];
  }
  const errors: FieldError[] = [];
  for (const error of check.Errors(value)) {
    const message =
      error.schema[Kind] === JCS_TEXT_KIND ? jcsTextMessage(error.schema as unknown as JcsTextOptions, error.value) : error.message;
    errors.push({ field: error.path || '/', message });
    if (errors.length >= 20) break;
  }
  return errors;
}

/**
 * Asserts `value` matches `schema`, collecting every bad field into one INVALID_ARGUMENT
 * error. `what` names the argument in the message.
 */
export function assertSchema<T extends TSchema>(schema: T, value: unknown, what: string): asserts value is Static<T> {
  const errors = schemaErrors(schema, value);
  if (errors.length > 0) {
    throw new LedgerError('INVALID_ARGUMENT', `${what}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
}

/**
 * JSON text as a value, or `undefined` when it is not JSON: a check against any schema then
 * fails on it, so bytes from outside are parsed with this and checked, never cast.
 *
 * @example jsonValue('{"a":1}') // { a: 1 }
 * @example jsonValue('{a:1}') // undefined
 */
export function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Parses JSON text from a file or a peer and checks it against `schema`; `what` (a file's path,
 * a call) names it in the error, which `fail` makes (a plain Error by default). For bytes the
 * caller did not write itself.
 *
 * @example parseChecked(Type.Object({ keys: Type.Array(Type.Unknown()) }), '{"keys":[]}', 'jwks.json') // { keys: [] }
 */
export function parseChecked<T extends TSchema>(
  schema: T,
  text: string,
  what: string,
  fail: (message: string) => Error = (message) => new Error(message),
): Static<T> {
  const value = jsonValue(text);
  if (value === undefined) throw fail(`${what} is not JSON`);
  const errors = schemaErrors(schema, value);
  if (errors.length > 0)
    throw fail(
      `${what} is not what it should be: ${errors
        .slice(0, 3)
        .map((e) => `${e.field} ${e.message}`)
        .join('; ')}`,
    );
  return value;
}

/** An RFC 7517 key set as a trusted issuer's JWKS file holds it (the keys' own fields are jose's to check). */
export const JwksFileSchema = Type.Object({ keys: Type.Array(Type.Object({ kty: Type.String({ minLength: 1 }) }), { minItems: 1 }) });

const Base64url = Type.String({ pattern: '^[A-Za-z0-9_-]+$' });
/** An ES256 private key file (RFC 7517 JWK): the receipt signer's keys and the development issuer's. */
export const Es256PrivateJwkSchema = Type.Object({
  kty: Type.Literal('EC'),
  crv: Type.Literal('P-256'),
  x: Base64url,
  y: Base64url,
  d: Base64url,
  kid: Type.String({ minLength: 1 }),
  alg: Type.Optional(Type.Literal('ES256')),
  use: Type.Optional(Type.Literal('sig')),
});

/** Parses a JSON argument and validates it; bad JSON is an INVALID_ARGUMENT like any other. */
export function parseArgument<T extends TSchema>(schema: T, json: string, what: string): Static<T> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new LedgerError('INVALID_ARGUMENT', `${what}: not valid JSON`);
  }
  assertSchema(schema, value, what);
  return value;
}
