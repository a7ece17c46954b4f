import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LedgerError, RecordWithBlockSchema, parseChecked, recordHashOfProofExtra, type LedgerRecord } from '@tender-ledger/domain';
import { fromBase64, parseCheckpoint, parseNote, parseProofBundle, verifyCheckpoint, verifyConsistency } from '@tender-ledger/tlog';
import { parseLogPolicy, verifyProof } from './transparency.js';

interface Globals {
  url: string;
  token?: string;
}

/**
 * The transparency-log commands of the `tender` CLI, kept apart from cli.ts:
 * `proof get`, `proof verify`, `log consistency`. Exit 0 verified, 1 refused (`REFUSED <code>`).
 */
export function addTlogCommands(root: Command, run: (work: Promise<number>) => Promise<void>): void {
  const globals = (command: Command) => command.optsWithGlobals<Globals>();
  const proof = root.command('proof').description('Transparency-log proofs (c2sp.org/tlog-proof@v1), verifiable offline.').exitOverride();
  proof
    .command('get')
    .description("Fetch a record's proof bundle; writes <recordId>.tlog-proof.")
    .argument('<recordId>')
    .option('--out <file>', 'write it here instead')
    .action((recordId: string, options: { out?: string }, command: Command) =>
      run(refusals(() => proofGet(recordId, options, globals(command)))),
    );
  proof
    .command('verify')
    .description(
      'Verify a bundle offline: the record is the leaf it names, the log signed the checkpoint and a quorum of witnesses cosigned it.',
    )
    .argument('<file>', 'the .tlog-proof file')
    .requiredOption('--policy <file>', 'the tlog-policy to trust (log key, witnesses, quorum)')
    .option(
      '--record <sha256|file>',
      'the record: its hash, or a JSON file holding the record itself, whose content is hashed (default: the hash the bundle names, not authenticated)',
    )
    .action((file: string, options: { policy: string; record?: string }) => run(refusals(() => proofVerify(file, options))));
  root
    .command('log')
    .description('The transparency log.')
    .exitOverride()
    .command('consistency')
    .description('Check that the newer checkpoint extends the older one (the proof comes from the gateway and is checked, not trusted).')
    .argument('<old>', 'the older checkpoint (signed note file)')
    .argument('<new>', 'the newer checkpoint')
    .option('--policy <file>', "also check the checkpoints' signatures against this tlog-policy")
    .action((oldFile: string, newFile: string, options: { policy?: string }, command: Command) =>
      run(refusals(() => consistency(oldFile, newFile, options, globals(command)))),
    );
}

async function proofGet(recordId: string, options: { out?: string }, globals: Globals): Promise<number> {
  const url = globals.url.replace(/\/+$/, '');
  const res = await fetch(
    `${url}/v1/records/${encodeURIComponent(recordId)}/proof`,
    globals.token ? { headers: { authorization: `Bearer ${globals.token}` } } : {},
  );
  const body = await res.text();
  if (res.status !== 200) {
    console.error(`proof of ${recordId}: ${res.status} ${body}`);
    return 1;
  }
  const file = options.out ?? `${recordId}.tlog-proof`;
  await writeFile(file, body);
  const bundle = parseProofBundle(body);
  console.log(
    `${file}: leaf ${bundle.index} of a tree of ${parseCheckpoint(parseNote(bundle.checkpoint).text).size} (${body.length} bytes)`,
  );
  return 0;
}

async function proofVerify(file: string, options: { policy: string; record?: string }): Promise<number> {
  const text = await readFile(file, 'utf8');
  const policy = parseLogPolicy(await readFile(options.policy, 'utf8'));
  let record: LedgerRecord | string | undefined = options.record;
  if (record !== undefined && !/^[0-9a-f]{64}$/.test(record)) {
    // A file holding the record (e.g. from an evidence package): checked as a record, then hashed by verifyProof.
    record = parseChecked(
      RecordWithBlockSchema,
      await readFile(record, 'utf8'),
      record,
      (message) => new LedgerError('INVALID_ARGUMENT', message),
    ) as LedgerRecord;
  }
  let recordHash: string;
  if (record !== undefined) {
    recordHash = typeof record === 'string' ? record : record.hash;
  } else {
    const named = recordHashOfProofExtra(parseProofBundle(text).extra);
    if (named === undefined) {
      console.error('the bundle names no record hash: give --record <sha256>');
      return 2;
    }
    recordHash = named;
    console.log(`record hash ${recordHash} (as the bundle names it; compare it with your record's)`);
  }
  const verified = verifyProof(text, typeof record === 'object' ? record : recordHash, policy);
  console.log(
    `VERIFIED: record ${recordHash} is leaf ${verified.index} of ${verified.checkpoint.origin} at size ${verified.checkpoint.size}, ` +
      `signed by the log and cosigned by ${verified.cosignatures.map((c) => c.witness).join(', ') || 'no witness'} (policy met)`,
  );
  return 0;
}

async function consistency(oldFile: string, newFile: string, options: { policy?: string }, globals: Globals): Promise<number> {
  const [oldNote, newNote] = await Promise.all([readFile(oldFile, 'utf8'), readFile(newFile, 'utf8')]);
  const policy = options.policy ? parseLogPolicy(await readFile(options.policy, 'utf8')) : undefined;
  const [older, newer] = [oldNote, newNote].map((note) =>
    policy ? verifyCheckpoint(note, policy).checkpoint : parseCheckpoint(parseNote(note).text),
  ) as [ReturnType<typeof parseCheckpoint>, ReturnType<typeof parseCheckpoint>];
  if (older.origin !== newer.origin)
    throw new LedgerError('TLOG_ORIGIN_UNKNOWN', `the checkpoints are of two logs: ${older.origin}, ${newer.origin}`);
  if (older.size > newer.size) {
    console.error('the old checkpoint is larger than the new one: give them oldest first');
    return 2;
  }
  const res = await fetch(`${globals.url.replace(/\/+$/, '')}/log/consistency/${older.size}/${newer.size}`);
  if (res.status !== 200)
    throw new LedgerError('TLOG_PROOF_MALFORMED', `the log gave no consistency proof: ${res.status} ${await res.text()}`);
  const proof = (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => fromBase64(l) ?? new Uint8Array(0));
  verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash);
  console.log(
    `CONSISTENT: ${newer.origin} at size ${newer.size} extends size ${older.size}${policy ? '' : ' (signatures not checked: give --policy)'}`,
  );
  return 0;
}

/** A refusal of the log's checks is exit 1 with its code; anything else goes on up. */
async function refusals(work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    console.error(`REFUSED ${error.code}: ${error.message.replace(new RegExp(`^${error.code}: `), '')}`);
    return 1;
  }
}
