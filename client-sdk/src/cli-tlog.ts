import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LedgerError } from '@tender-ledger/domain';
import { fromBase64, parseCheckpoint, parseNote, parseProofBundle, verifyCheckpoint, verifyConsistency } from '@tender-ledger/tlog';
import { parseLogPolicy, verifyProof } from './transparency.js';

/** The transparency-log commands of the `tender` CLI (kept apart from cli.ts). */
export const TLOG_USAGE = `  tender proof get <recordId> [--out FILE]           writes <recordId>.tlog-proof
  tender proof verify <file> --policy <file> [--record SHA256]
  tender log consistency <old checkpoint> <new checkpoint> [--policy <file>]`;

/** Runs `proof ...` or `log ...`; exit code 0 verified, 1 refused, 2 bad usage. */
export async function tlogCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, token: { type: 'string' }, policy: { type: 'string' }, record: { type: 'string' }, out: { type: 'string' } },
  });
  const [group, command, ...rest] = positionals;
  const url = (values.url ?? process.env.TENDER_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = values.token ?? process.env.TENDER_TOKEN;
  try {
    if (group === 'proof' && command === 'get' && rest.length === 1) {
      const recordId = rest[0]!;
      const res = await fetch(`${url}/v1/records/${encodeURIComponent(recordId)}/proof`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      const body = await res.text();
      if (res.status !== 200) {
        console.error(`proof of ${recordId}: ${res.status} ${body}`);
        return 1;
      }
      const file = values.out ?? `${recordId}.tlog-proof`;
      await writeFile(file, body);
      const bundle = parseProofBundle(body);
      console.log(`${file}: leaf ${bundle.index} of a tree of ${parseCheckpoint(parseNote(bundle.checkpoint).text).size} (${body.length} bytes)`);
      return 0;
    }
    if (group === 'proof' && command === 'verify' && rest.length === 1 && values.policy) {
      const text = await readFile(rest[0]!, 'utf8');
      const policy = parseLogPolicy(await readFile(values.policy, 'utf8'));
      // The record hash: given, or the one the bundle's (unauthenticated) extra line names.
      let recordHash = values.record;
      if (recordHash === undefined) {
        const extra = parseProofBundle(text).extra;
        recordHash = extra ? (JSON.parse(new TextDecoder().decode(extra)) as { recordHash?: string }).recordHash : undefined;
        if (recordHash === undefined) return usage('the bundle names no record hash: give --record <sha256>');
        console.log(`record hash ${recordHash} (as the bundle names it; compare it with your record's)`);
      }
      const verified = verifyProof(text, recordHash, policy);
      console.log(`VERIFIED: record ${recordHash} is leaf ${verified.index} of ${verified.checkpoint.origin} at size ${verified.checkpoint.size}, `
        + `signed by the log and cosigned by ${verified.cosignatures.map((c) => c.witness).join(', ') || 'no witness'} (policy met)`);
      return 0;
    }
    if (group === 'log' && command === 'consistency' && rest.length === 2) {
      const [oldNote, newNote] = await Promise.all(rest.map((f) => readFile(f, 'utf8')));
      const policy = values.policy ? parseLogPolicy(await readFile(values.policy, 'utf8')) : undefined;
      const [older, newer] = [oldNote!, newNote!].map((note) => (policy ? verifyCheckpoint(note, policy).checkpoint : parseCheckpoint(parseNote(note).text)));
      if (older!.origin !== newer!.origin) return refuse('TLOG_ORIGIN_UNKNOWN', `the checkpoints are of two logs: ${older!.origin}, ${newer!.origin}`);
      if (older!.size > newer!.size) return usage('the old checkpoint is larger than the new one: give them oldest first');
      // The proof comes from the log and is not trusted: it must join the two roots the checkpoints sign.
      const res = await fetch(`${url}/log/consistency/${older!.size}/${newer!.size}`);
      if (res.status !== 200) return refuse('TLOG_PROOF_MALFORMED', `the log gave no consistency proof: ${res.status} ${await res.text()}`);
      const proof = (await res.text()).split('\n').filter((l) => l !== '').map((l) => fromBase64(l) ?? new Uint8Array(0));
      verifyConsistency(older!.size, newer!.size, proof, older!.rootHash, newer!.rootHash);
      console.log(`CONSISTENT: ${newer!.origin} at size ${newer!.size} extends size ${older!.size}${policy ? '' : ' (signatures not checked: give --policy)'}`);
      return 0;
    }
  } catch (error) {
    if (error instanceof LedgerError) return refuse(error.code, error.message);
    throw error;
  }
  return usage(`unknown or incomplete command: ${positionals.join(' ')}`);
}

function refuse(code: string, message: string): number {
  console.error(`REFUSED ${code}: ${message.replace(new RegExp(`^${code}: `), '')}`);
  return 1;
}

function usage(message: string): number {
  console.error(`${message}\n\n${TLOG_USAGE}`);
  return 2;
}
