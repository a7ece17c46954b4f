#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { JSONWebKeySet } from 'jose';
import { JwksSchema, must, schemaErrors, type LedgerRecord } from '@tender-ledger/domain';
import { TenderLedgerClient } from './client.js';
import { AuthError, TenderLedgerError } from './errors.js';
import { ROLES, type Role } from '@tender-ledger/domain';
import { mintDevToken, verifyReceipt } from '@tender-ledger/trust';
import { expandInputs, notariseAll, notariseInBatches, perItemSender, pool, type BulkOutcome, type InputFile } from './bulk.js';
import { sha256File } from './hash.js';
import { verifyBidInclusion } from './inclusion.js';
import { verifyEvidencePackage } from './evidence-package.js';
import { addTlogCommands } from './cli-tlog.js';

interface GlobalOptions {
  url: string;
  token?: string;
}

/** How often a line of progress is written when stderr is not a terminal. */
const PROGRESS_EVERY_MS = 2_000;

function clientOf(options: GlobalOptions): TenderLedgerClient {
  return new TenderLedgerClient({ baseUrl: options.url, ...(options.token ? { token: options.token } : {}) });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

/**
 * An instant in the user's time zone, the zone named: `2026-11-29 15:20:32.123 +08:00 (Asia/Shanghai)`.
 * The ledger's own value is UTC (RFC 3339); JSON output keeps that.
 */
export function localTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // Zones are whole minutes off UTC: the date, hour, minute and offset are formatted once per
  // minute (formatToParts is the costly part of a line), seconds and milliseconds come from UTC.
  const minute = Math.floor(date.getTime() / 60_000);
  if (minute !== lastMinute) {
    const parts = Object.fromEntries(
      zoneFormat()
        .formatToParts(date)
        .map((p) => [p.type, p.value]),
    );
    // zoneFormat asks for each of these, so formatToParts gives each.
    const part = (type: Intl.DateTimeFormatPartTypes) => must(parts[type], `the ${type} of a local time`);
    const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
    lastMinute = minute;
    lastPrefix = `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
    lastSuffix = `${offset} (${zone})`;
  }
  const seconds = String(date.getUTCSeconds()).padStart(2, '0');
  const millis = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${lastPrefix}:${seconds}.${millis} ${lastSuffix}`;
}

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let formatter: Intl.DateTimeFormat | undefined;
let lastMinute = Number.NaN;
let lastPrefix = '';
let lastSuffix = '';
function zoneFormat(): Intl.DateTimeFormat {
  formatter ??= new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  return formatter;
}

/** An error as one line, its code once (`PROJECT_NOT_FOUND: no project …`). */
export function errorLine(error: unknown): string {
  if (error instanceof TenderLedgerError)
    return error.message.startsWith(`${error.code}:`) ? error.message : `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function mib(bytes: number): string {
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  return bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/**
 * Progress in files and bytes: a bar on a terminal, a line every few seconds otherwise.
 * Written to stderr, so stdout keeps one line per file.
 */
function progress(label: string, inputs: readonly InputFile[], show: boolean) {
  const totalBytes = inputs.reduce((sum, i) => sum + i.size, 0);
  const started = Date.now();
  let files = 0;
  let bytes = 0;
  let failed = 0;
  const bar =
    show && process.stderr.isTTY
      ? new SingleBar(
          {
            format: `${label} {bar} {value}/{total} files | {done}/{bytes} | {failed} failed`,
            stream: process.stderr,
            hideCursor: true,
          },
          Presets.shades_classic,
        )
      : undefined;
  bar?.start(inputs.length, 0, { done: mib(0), bytes: mib(totalBytes), failed: 0 });
  const line = () =>
    process.stderr.write(
      `${label}: ${files}/${inputs.length} files, ${mib(bytes)}/${mib(totalBytes)}, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  const timer = show && !bar ? setInterval(line, PROGRESS_EVERY_MS) : undefined;
  return {
    done(size: number, ok: boolean) {
      files++;
      bytes += size;
      if (!ok) failed++;
      bar?.update(files, { done: mib(bytes), failed });
    },
    stop() {
      bar?.stop();
      if (timer) clearInterval(timer);
      if (show) line();
    },
  };
}

type Emit = (human: string, json: Record<string, unknown>) => void;
/** Lines go out as results come, gathered per turn of the event loop: one write, not one per file. */
const emitter = (json: boolean | undefined): Emit => {
  let pending: string[] = [];
  const flush = () => {
    const text = pending.join('');
    pending = [];
    process.stdout.write(text);
  };
  return (human, record) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(`${json ? JSON.stringify(record) : human}\n`);
  };
};

async function notarise(
  paths: string[],
  options: {
    kind: string;
    project?: string;
    json?: boolean;
    progress: boolean;
    concurrency: number;
    hashConcurrency: number;
    batch?: boolean;
  },
  global: GlobalOptions,
): Promise<number> {
  const inputs = await expandInputs(paths);
  const client = clientOf(global);
  const emit = emitter(options.json);
  if (options.batch) {
    if (options.project) {
      console.error('a batch notarisation names no project: notarise per file with --project, or batch without it');
      return 2;
    }
    return notariseBatches(inputs, client, options, emit);
  }
  const shown = progress('notarising', inputs, options.progress);
  let failures = 0;
  const onOutcome = (outcome: BulkOutcome) => {
    if (outcome.kind === 'recorded') {
      const {
        item,
        result: { record, receipt },
      } = outcome;
      shown.done(item.size, true);
      emit(`${item.sha256}  ${item.file}  recorded ${localTime(record.txTime)}  record ${record.recordId}`, {
        file: item.file,
        sha256: item.sha256,
        recordId: record.recordId,
        txTime: record.txTime,
        receipt,
      });
      return;
    }
    if (outcome.kind === 'existing') {
      const { item, record } = outcome;
      shown.done(item.size, true);
      emit(
        `${item.sha256}  ${item.file}  already recorded ${localTime(record.txTime)}  record ${record.recordId} (under another file name)`,
        { file: item.file, sha256: item.sha256, recordId: record.recordId, txTime: record.txTime, alreadyRecorded: true },
      );
      return;
    }
    failures++;
    shown.done(outcome.input.size, false);
    const code = outcome.error instanceof TenderLedgerError ? outcome.error.code : 'ERROR';
    emit(`${outcome.sha256 ?? '-'.repeat(64)}  ${outcome.input.file}  FAILED ${errorLine(outcome.error)}`, {
      file: outcome.input.file,
      ...(outcome.sha256 ? { sha256: outcome.sha256 } : {}),
      error: { code, message: outcome.error.message },
    });
  };
  try {
    await notariseAll(
      inputs,
      perItemSender(client),
      {
        kind: options.kind,
        ...(options.project ? { projectId: options.project } : {}),
        hashConcurrency: options.hashConcurrency,
        sendConcurrency: options.concurrency,
        // A rerun after a rename: the key is the content's, the body names the old file.
        findExisting: async (item) =>
          (await client.verifyHash(item.sha256)).records.find(
            (r) =>
              r.step === 'DocumentNotarised' &&
              (r.payload as { kind?: string }).kind === item.request.kind &&
              (r.projectId ?? undefined) === item.request.projectId,
          ) as LedgerRecord | undefined,
        // Every further request would be refused the same way.
        abortOn: (error) => error instanceof AuthError,
      },
      onOutcome,
    );
  } finally {
    shown.stop();
  }
  return failures === 0 ? 0 : 1;
}

async function notariseBatches(
  inputs: InputFile[],
  client: TenderLedgerClient,
  options: { kind: string; progress: boolean; hashConcurrency: number },
  emit: Emit,
): Promise<number> {
  const shown = progress('notarising', inputs, options.progress);
  let failures = 0;
  try {
    await notariseInBatches(inputs, client, options, (outcome) => {
      if (outcome.kind === 'failed') {
        failures++;
        shown.done(outcome.input.size, false);
        const code = outcome.error instanceof TenderLedgerError ? outcome.error.code : 'ERROR';
        emit(`${outcome.sha256 ?? '-'.repeat(64)}  ${outcome.input.file}  FAILED ${errorLine(outcome.error)}`, {
          file: outcome.input.file,
          ...(outcome.sha256 ? { sha256: outcome.sha256 } : {}),
          error: { code, message: outcome.error.message },
        });
        return;
      }
      const {
        input,
        sha256,
        index,
        size,
        result: { record, receipt },
      } = outcome;
      shown.done(input.size, true);
      emit(`${sha256}  ${input.file}  recorded ${localTime(record.txTime)}  leaf ${index} of ${size} in batch record ${record.recordId}`, {
        file: input.file,
        sha256,
        recordId: record.recordId,
        txTime: record.txTime,
        batch: { index, size, merkleRoot: record.payload.merkleRoot },
        receipt,
      });
    });
  } finally {
    shown.stop();
  }
  return failures === 0 ? 0 : 1;
}

async function verify(
  paths: string[],
  options: { json?: boolean; progress: boolean; concurrency: number },
  global: GlobalOptions,
): Promise<number> {
  const inputs = await expandInputs(paths);
  const client = clientOf(global);
  const emit = emitter(options.json);
  const shown = progress('verifying', inputs, options.progress);
  let missing = 0;
  try {
    await pool(
      inputs,
      options.concurrency,
      async (input) => {
        const sha256 = await sha256File(input.file);
        return { sha256, lookup: await client.verifyHash(sha256) };
      },
      (input, result) => {
        if (result instanceof Error) {
          missing++;
          shown.done(input.size, false);
          const code = result instanceof TenderLedgerError ? result.code : 'ERROR';
          emit(`${'-'.repeat(64)}  ${input.file}  FAILED ${errorLine(result)}`, {
            file: input.file,
            found: false,
            error: { code, message: result.message },
          });
          return;
        }
        const {
          sha256,
          lookup: { records },
        } = result;
        shown.done(input.size, records.length > 0);
        if (records.length === 0) {
          missing++;
          emit(`${sha256}  ${input.file}  NOT FOUND: never recorded on the ledger`, {
            file: input.file,
            sha256,
            found: false,
            records: [],
          });
          return;
        }
        const lines = records.map(
          (r) =>
            `  ${localTime(r.txTime)}  ${r.step}${r.projectId ? ` in project ${r.projectId}` : ''}  block ${r.blockNumber ?? '?'}  record ${r.recordId}`,
        );
        emit(`${sha256}  ${input.file}  recorded ${records.length} time(s):\n${lines.join('\n')}`, {
          file: input.file,
          sha256,
          found: true,
          records,
        });
      },
    );
  } finally {
    shown.stop();
  }
  return missing === 0 ? 0 : 1;
}

/** A file or option the user gave that cannot be used as given: bad usage, exit code 2, with the reason. */
class UsageError extends TenderLedgerError {
  override name = 'UsageError';
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * The receipt keys from the file `--jwks` names: a JWKS of the gateway's ES256 keys (its
 * `/.well-known/jwks.json`). Anything else is refused, naming what is wrong, before a receipt
 * is checked against it.
 */
async function jwksFile(file: string): Promise<JSONWebKeySet> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--jwks ${file}: not a readable JSON file (${(error as Error).message})`);
  }
  const errors = schemaErrors(JwksSchema, value);
  if (errors.length > 0)
    throw new UsageError(
      `--jwks ${file}: not the gateway's receipt keys (a JWKS of ES256 keys): ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    );
  return value as JSONWebKeySet;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

/** The receipt keys: from a --jwks file if given, else the gateway's. */
async function receiptKeys(client: ReturnType<typeof clientOf>, jwks: string | undefined): Promise<JSONWebKeySet> {
  return jwks ? jwksFile(jwks) : client.jwks();
}

/** `tender receipt verify`: the receipt's signature offline, and with --online its record on the ledger. */
async function verifyReceiptCommand(
  given: string,
  options: { online?: boolean; jwks?: string },
  globalOptions: GlobalOptions,
): Promise<number> {
  const client = clientOf(globalOptions);
  const receipt = (given === '-' ? await readStdin() : given).trim();
  const { claims, kid } = await verifyReceipt(receipt, await receiptKeys(client, options.jwks));
  console.log(`signature valid (key ${kid})`);
  console.log(
    `  ${claims.step}${claims.projectId ? ` in project ${claims.projectId}` : ''} at ${localTime(claims.ledgerTime)}, block ${claims.blockNumber}, record ${claims.recordId}`,
  );
  if (!options.online) return 0;
  const online = await client.verifyReceiptOnline(receipt);
  console.log(
    `  on the ledger: ${online.onLedger ? 'yes' : 'NO'}; record unchanged: ${online.recordUnchanged ? 'yes' : 'NO'}; block matches: ${online.blockMatches ? 'yes' : 'NO'}`,
  );
  return online.valid ? 0 : 1;
}

/** `tender bid check`: is the bidder's last step, whose receipt this is, in the opening? Checked offline. */
async function checkBid(
  projectId: string,
  bidderId: string,
  given: string,
  options: { jwks?: string },
  globalOptions: GlobalOptions,
): Promise<number> {
  const client = clientOf(globalOptions);
  const receipt = (given === '-' ? await readStdin() : given).trim();
  const { claims } = await verifyReceipt(receipt, await receiptKeys(client, options.jwks));
  const result = verifyBidInclusion(await client.bidInclusion(projectId, bidderId), claims, bidderId);
  console.log(`${result.included ? 'included' : `NOT INCLUDED (${result.reason ?? ''})`}: ${result.detail}`);
  return result.included ? 0 : 1;
}

/** `tender package verify`: an evidence package, fully offline, record by record. */
async function verifyPackage(file: string, options: { json?: boolean }): Promise<number> {
  // Fully offline: everything it checks against is inside the package.
  const report = await verifyEvidencePackage(await readFile(file));
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
    return report.valid ? 0 : 1;
  }
  console.log(
    `evidence package ${file}${report.projectId ? ` of project ${report.projectId}` : ''}${report.scope ? ` (${report.scope})` : ''}`,
  );
  const mark = (ok: boolean | string) => (ok === true ? 'ok' : ok === false ? 'FAILED' : ok);
  for (const r of report.records) {
    console.log(
      `  ${r.problems.length === 0 ? 'OK    ' : 'BROKEN'} ${r.seq !== undefined ? `#${r.seq} ` : ''}${r.step ?? '?'} record ${r.recordId ?? r.file}`,
    );
    console.log(
      `         files vs manifest ${mark(r.filesMatchManifest)}; record hash ${mark(r.recordHashValid)}; receipt signature and claims ${mark(r.receiptValid)}; chain link ${mark(r.chainLinkValid)}`,
    );
    for (const problem of r.problems) console.log(`         - ${problem}`);
  }
  for (const problem of report.problems) console.log(`  package: ${problem}`);
  console.log(report.valid ? `VALID: ${report.records.length} record(s), every check held` : 'INVALID: see above');
  return report.valid ? 0 : 1;
}

/** `tender trail`: a project's records as the caller may see them, and whether the chain holds. */
async function showTrail(projectId: string, globalOptions: GlobalOptions): Promise<number> {
  const trail = await clientOf(globalOptions).getTrail(projectId);
  for (const r of trail.records)
    console.log(`${'seq' in r ? String(r.seq).padStart(4) : '   -'}  ${localTime(r.txTime)}  ${r.step.padEnd(24)} ${r.hash}`);
  console.log(
    `hash chain ${trail.chainValid ? 'intact' : 'BROKEN'}${trail.complete ? '' : ' (sealed records hidden from you until opening)'}${trail.complete && trail.records.some((r) => 'redacted' in r) ? ' (committee members hidden until the award)' : ''}`,
  );
  return trail.chainValid ? 0 : 1;
}

function program(): Command {
  const root = new Command('tender')
    .description('The tender evidence ledger from the command line.')
    .addOption(new Option('--url <url>', 'the gateway').env('TENDER_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'a bearer token').env('TENDER_TOKEN'))
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExit codes: 0 done, 1 something failed or was not found, 2 bad usage.');
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const run = (work: Promise<number>) =>
    work.then((code) => {
      process.exitCode = code;
    });

  root
    .command('notarise')
    .alias('notarize')
    .description(
      'Hash files locally and record each hash on the ledger; only hashes leave the machine.\n' +
        'Resumable: the idempotency key derives from the content, kind and project, so a rerun records nothing twice.',
    )
    .argument('<paths...>', 'files, or directories (walked; hidden entries skipped)')
    .option('--kind <kind>', 'the document kind', 'document')
    .option('--project <id>', 'link each document to this project')
    .option('--json', 'one JSON object per file (with its receipt)')
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every 2 s)')
    .option('--concurrency <n>', 'requests in flight', positiveInt, 64)
    .option('--hash-concurrency <n>', 'files hashed at once', positiveInt, 8)
    .option(
      '--batch',
      "one record per 10,000 distinct hashes (each file a leaf of its batch's Merkle root) instead of one per file; no --project",
    )
    .action((paths: string[], options: Parameters<typeof notarise>[1], command: Command) =>
      run(notarise(paths, options, globals(command))),
    );

  root
    .command('verify')
    .description('Hash files locally and look each up; exit code 0 only if every one was recorded.')
    .argument('<paths...>', 'files, or directories (walked)')
    .option('--json', 'one JSON object per file')
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every 2 s)')
    .option('--concurrency <n>', 'files at once', positiveInt, 16)
    .action((paths: string[], options: Parameters<typeof verify>[1], command: Command) => run(verify(paths, options, globals(command))));

  root
    .command('receipt')
    .description('Receipts (回执).')
    .exitOverride()
    .command('verify')
    .description("Verify a receipt offline against the gateway's keys (or --jwks), and with --online on the ledger.")
    .argument('<receipt>', 'the compact JWS, or - to read it from stdin')
    .option('--online', 'also ask the gateway whether the record is on the ledger, unchanged, in the named block')
    .option('--jwks <file>', 'the receipt keys from a file instead of the gateway')
    .action((given: string, options: { online?: boolean; jwks?: string }, command: Command) =>
      run(verifyReceiptCommand(given, options, globals(command))),
    );

  root
    .command('bid')
    .description('Bids (投标).')
    .exitOverride()
    .command('check')
    .description(
      "After the opening: is the bid whose receipt this is (the bidder's last step) in it? Checks the completeness proof offline.",
    )
    .argument('<projectId>', 'the project')
    .argument('<bidderId>', 'the bidder')
    .argument('<receipt>', "the receipt of the bidder's last step, or - to read it from stdin")
    .option('--jwks <file>', 'the receipt keys from a file instead of the gateway')
    .action((projectId: string, bidderId: string, given: string, options: { jwks?: string }, command: Command) =>
      run(checkBid(projectId, bidderId, given, options, globals(command))),
    );

  root
    .command('package')
    .description("Evidence packages (the gateway's zip of records, receipts and documents).")
    .exitOverride()
    .command('verify')
    .description(
      'Verify an evidence package fully offline, record by record: files against the manifest, record hashes, receipts, chain links.',
    )
    .argument('<file>', 'the evidence package (.zip)')
    .option('--json', 'the whole report as JSON')
    .action((file: string, options: { json?: boolean }) => run(verifyPackage(file, options)));

  root
    .command('trail')
    .description("A project's records as you may see them, and whether its hash chain holds.")
    .argument('<projectId>')
    .action((projectId: string, _options: unknown, command: Command) => run(showTrail(projectId, globals(command))));

  root
    .command('token')
    .description('Mint a development token with the issuer key in DATA_DIR (default ./data); development only.')
    .addOption(new Option('--role <role>', 'the role').choices(ROLES).makeOptionMandatory())
    .requiredOption('--sub <id>', 'the subject (platform, regulator or bidder id)')
    .option('--ttl <seconds>', 'lifetime in seconds', positiveInt)
    .action((options: { role: Role; sub: string; ttl?: number }) =>
      run(
        (async () => {
          console.log(
            await mintDevToken(path.resolve(process.env.DATA_DIR ?? 'data'), {
              role: options.role,
              sub: options.sub,
              ...(options.ttl ? { ttlSeconds: options.ttl } : {}),
            }),
          );
          return 0;
        })(),
      ),
    );
  addTlogCommands(root, run);
  return root;
}

program()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has printed the message or the help already.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    console.error(errorLine(error));
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
