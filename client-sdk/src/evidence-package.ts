import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { JSONWebKeySet } from 'jose';
import type { TSchema } from '@sinclair/typebox';
import {
  EVIDENCE_PACKAGE_FORMAT,
  EvidenceManifestSchema,
  GENESIS_HASH,
  JwksSchema,
  LedgerRecordSchema,
  recordHash,
  schemaErrors,
  type EvidenceManifest,
  type LedgerRecord,
} from '@tender-ledger/domain';
import { verifyReceipt } from '@tender-ledger/trust';

/**
 * What held for one record of an evidence package.
 *
 * @example
 * for (const r of report.records) console.log(r.recordId, r.recordHashValid, r.receiptValid, r.problems);
 */
export interface PackagedRecordCheck {
  /** The record's file in the package. */
  file: string;
  recordId?: string;
  step?: string;
  seq?: number;
  /** Its record, receipt and certificate files match the manifest. */
  filesMatchManifest: boolean;
  /** SHA-256 of the canonical record (without `hash`) is its `hash`. */
  recordHashValid: boolean;
  /** The receipt verifies against the packaged JWKS and names this record's id, hash and transaction. */
  receiptValid: boolean;
  /** Its `prevHash` is the hash of the packaged record before it (when that one is in the package). */
  chainLinkValid: boolean | 'not checkable';
  problems: string[];
}

/**
 * What {@link verifyEvidencePackage} found: `valid` only if every check of every record held.
 *
 * @example
 * const { valid, records, problems }: PackageReport = await verifyEvidencePackage(zip);
 */
export interface PackageReport {
  valid: boolean;
  projectId?: string;
  scope?: string;
  /** Problems with the package itself (manifest, JWKS, stray or missing files). */
  problems: string[];
  records: PackagedRecordCheck[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : undefined);

/**
 * A packaged JSON file checked against its schema: the value, or why it is not one (missing,
 * not UTF-8 JSON, or each field that breaks the schema). A package is handed over by anyone,
 * so nothing in it is believed before this.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T names the shape the value was just checked against (its schema's static type, as the caller writes it)
function packaged<T>(bytes: Uint8Array | undefined, schema: TSchema): { value: T } | { problem: string } {
  if (bytes === undefined) return { problem: 'missing' };
  let value: unknown;
  try {
    value = JSON.parse(text(bytes) ?? '');
  } catch {
    return { problem: 'not UTF-8 JSON' };
  }
  const errors = schemaErrors(schema, value);
  if (errors.length > 0)
    return {
      problem: errors
        .slice(0, 5)
        .map((e) => `${e.field} ${e.message}`)
        .join('; '),
    };
  // Checked against the schema: the cast names its shape.
  return { value: value as T };
}

/**
 * Checks an evidence package (the zip `GET /v1/projects/{id}/evidence-package` answers) fully
 * offline: every file against the manifest's SHA-256, each receipt's signature against the
 * packaged JWKS and its claims against the record, each record's hash, and the chain between
 * consecutive records. Says record by record what held.
 *
 * @example
 * const report = await verifyEvidencePackage(await readFile('evidence-GZ-2026-0042.zip'));
 * if (!report.valid) console.log(report.records.filter((r) => r.problems.length > 0));
 */
export async function verifyEvidencePackage(zip: Uint8Array): Promise<PackageReport> {
  const report: PackageReport = { valid: false, problems: [], records: [] };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    report.problems.push(`not a readable zip: ${(error as Error).message}`);
    return report;
  }
  const read = packaged<EvidenceManifest>(files['manifest.json'], EvidenceManifestSchema);
  if ('problem' in read) {
    report.problems.push(`manifest.json is missing or unreadable: ${read.problem}`);
    return report;
  }
  const manifest = read.value;
  if (manifest.format !== EVIDENCE_PACKAGE_FORMAT) report.problems.push(`unknown package format ${manifest.format}`);
  report.projectId = manifest.projectId;
  report.scope = manifest.scope.kind;
  const listed = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const fileOk = (path: string) => files[path] !== undefined && listed.get(path) === sha256(files[path]);
  for (const path of Object.keys(files)) {
    if (path !== 'manifest.json' && !listed.has(path)) report.problems.push(`${path} is not in the manifest`);
  }
  for (const path of listed.keys()) {
    if (files[path] === undefined) report.problems.push(`${path} is in the manifest but missing`);
    else if (!fileOk(path) && !path.startsWith('records/') && !path.startsWith('receipts/') && !path.startsWith('certificates/')) {
      report.problems.push(`${path} does not match its SHA-256 in the manifest`);
    }
  }
  const keys = packaged<JSONWebKeySet>(files['jwks.json'], JwksSchema);
  if ('problem' in keys) report.problems.push(`jwks.json is missing or unreadable (${keys.problem}): no receipt can be checked`);
  const jwks = 'value' in keys ? keys.value : undefined;

  const recordFiles = [...listed.keys()].filter((p) => p.startsWith('records/') && p.endsWith('.json')).sort();
  // The record before, per chain: the project's, or each bidder's own (bidderChain).
  const previousIn = new Map<string, LedgerRecord>();
  for (const file of recordFiles) {
    const base = file.slice('records/'.length, -'.json'.length);
    const check: PackagedRecordCheck = {
      file,
      filesMatchManifest: false,
      recordHashValid: false,
      receiptValid: false,
      chainLinkValid: 'not checkable',
      problems: [],
    };
    report.records.push(check);
    const related = [file, `receipts/${base}.jws`, `certificates/${base}.pdf`];
    check.filesMatchManifest = related.every(fileOk);
    for (const path of related) if (!fileOk(path)) check.problems.push(`${path} does not match the manifest`);
    const read = packaged<LedgerRecord>(files[file], LedgerRecordSchema);
    if ('problem' in read) {
      check.problems.push(`the file is not a record: ${read.problem}`);
      previousIn.clear();
      continue;
    }
    const record = read.value;
    check.recordId = record.recordId;
    check.step = record.step;
    check.seq = record.seq;
    check.recordHashValid = recordHash(record) === record.hash;
    if (!check.recordHashValid) check.problems.push('its hash is not the SHA-256 of its content: the record was changed');
    const receipt = text(files[`receipts/${base}.jws`])?.trim();
    if (!receipt || !jwks) {
      check.problems.push('no receipt or no keys to check it with');
    } else {
      try {
        const { claims } = await verifyReceipt(receipt, jwks);
        const same =
          claims.recordId === record.recordId &&
          claims.recordHash === record.hash &&
          claims.txId === record.txId &&
          claims.step === record.step &&
          claims.ledgerTime === record.txTime &&
          claims.projectId === record.projectId;
        check.receiptValid = same;
        if (!same) check.problems.push('the receipt is genuine but names another record, hash, transaction or time');
      } catch (error) {
        check.problems.push(`receipt: ${(error as Error).message}`);
      }
    }
    const chain = record.bidderChain ?? '';
    const previous = previousIn.get(chain);
    if (record.seq === 1) {
      check.chainLinkValid = record.prevHash === GENESIS_HASH;
    } else if (previous && previous.seq === record.seq - 1) {
      check.chainLinkValid = record.prevHash === previous.hash;
    }
    if (check.chainLinkValid === false) check.problems.push('its prevHash is not the hash of the record before it');
    previousIn.set(chain, record);
  }
  if (recordFiles.length === 0) report.problems.push('the package holds no records');
  report.valid = report.problems.length === 0 && report.records.every((r) => r.problems.length === 0);
  return report;
}
