#!/usr/bin/env node
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { JSONWebKeySet } from 'jose';
import { TenderLedgerClient } from './client.js';
import { TenderLedgerError } from './errors.js';
import { mintDevToken, ROLES, type Role } from './dev-issuer.js';
import { sha256File } from './hash.js';
import { verifyReceipt } from './receipt.js';
import { verifyEvidencePackage } from './evidence-package.js';

const USAGE = `tender — the tender evidence ledger from the command line

  tender notarise <files...> [--kind KIND] [--project ID] [--json]
  tender verify <file>
  tender receipt verify <receipt | -> [--online] [--jwks FILE]
  tender trail <projectId>
  tender package verify <evidence-package.zip>   (offline)
  tender token --role platform|regulator|bidder --sub ID [--ttl SECONDS]

Options: --url (or TENDER_URL, default http://127.0.0.1:8080), --token (or TENDER_TOKEN).
'token' mints a development token with the issuer key in DATA_DIR (default ./data).`;

const LARGE = 16 * 1024 * 1024;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' }, token: { type: 'string' }, kind: { type: 'string' }, project: { type: 'string' },
      json: { type: 'boolean' }, online: { type: 'boolean' }, jwks: { type: 'string' }, role: { type: 'string' },
      sub: { type: 'string' }, ttl: { type: 'string' }, progress: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const client = new TenderLedgerClient({
    baseUrl: values.url ?? process.env.TENDER_URL ?? 'http://127.0.0.1:8080',
    ...((values.token ?? process.env.TENDER_TOKEN) ? { token: values.token ?? process.env.TENDER_TOKEN } : {}),
  });

  switch (command) {
    case 'notarise':
    case 'notarize': {
      if (rest.length === 0) return usage('notarise needs at least one file');
      const sizes = await Promise.all(rest.map(async (file) => (await stat(file)).size));
      const total = sizes.reduce((a, b) => a + b, 0);
      const showBar = values.progress ?? (process.stderr.isTTY && (rest.length > 1 || total > LARGE));
      const bar = showBar ? new SingleBar({ format: 'hashing {bar} {percentage}% | {value}/{total} bytes | {file}', stream: process.stderr, noTTYOutput: true }, Presets.shades_classic) : undefined;
      bar?.start(total, 0, { file: '' });
      let done = 0;
      const results = [];
      for (const [index, file] of rest.entries()) {
        const { record, receipt } = await client.notariseFile(file, {
          kind: values.kind ?? 'document', ...(values.project ? { projectId: values.project } : {}),
          metadata: { fileName: path.basename(file) },
        }, { onProgress: (read) => bar?.update(done + read, { file: path.basename(file) }) });
        done += sizes[index] ?? 0;
        bar?.update(done);
        results.push({ file, sha256: record.payload.sha256, recordId: record.recordId, txTime: record.txTime, receipt });
      }
      bar?.stop();
      for (const r of results) {
        console.log(values.json ? JSON.stringify(r) : `${r.sha256}  ${r.file}  recorded ${r.txTime}  record ${r.recordId}\n  receipt ${r.receipt}`);
      }
      return 0;
    }
    case 'verify': {
      const [file] = rest;
      if (!file) return usage('verify needs a file');
      const sha256 = await sha256File(file);
      const { records } = await client.verifyHash(sha256);
      if (records.length === 0) {
        console.log(`${sha256}  ${file}\n  NOT FOUND: this file was never recorded on the ledger`);
        return 1;
      }
      console.log(`${sha256}  ${file}\n  recorded ${records.length} time(s):`);
      for (const r of records) {
        console.log(`  ${r.txTime}  ${r.step}${r.projectId ? ` in project ${r.projectId}` : ''}  block ${r.blockNumber ?? '?'}  record ${r.recordId}`);
      }
      return 0;
    }
    case 'receipt': {
      const [sub, given] = rest;
      if (sub !== 'verify' || !given) return usage('receipt verify <receipt | ->');
      const receipt = (given === '-' ? await readStdin() : given).trim();
      const jwks = values.jwks ? JSON.parse(await readFile(values.jwks, 'utf8')) as JSONWebKeySet : await client.jwks();
      const { claims, kid } = await verifyReceipt(receipt, jwks);
      console.log(`signature valid (key ${kid})`);
      console.log(`  ${claims.step}${claims.projectId ? ` in project ${claims.projectId}` : ''} at ${claims.ledgerTime}, block ${claims.blockNumber}, record ${claims.recordId}`);
      if (values.online) {
        const online = await client.verifyReceiptOnline(receipt);
        console.log(`  on the ledger: ${online.onLedger ? 'yes' : 'NO'}; record unchanged: ${online.recordUnchanged ? 'yes' : 'NO'}; block matches: ${online.blockMatches ? 'yes' : 'NO'}`);
        return online.valid ? 0 : 1;
      }
      return 0;
    }
    case 'package': {
      const [sub, file] = rest;
      if (sub !== 'verify' || !file) return usage('package verify <evidence-package.zip>');
      // Fully offline: everything it checks against is inside the package.
      const report = await verifyEvidencePackage(await readFile(file));
      if (values.json) {
        console.log(JSON.stringify(report, null, 2));
        return report.valid ? 0 : 1;
      }
      console.log(`evidence package ${file}${report.projectId ? ` of project ${report.projectId}` : ''}${report.scope ? ` (${report.scope})` : ''}`);
      const mark = (ok: boolean | string) => (ok === true ? 'ok' : ok === false ? 'FAILED' : String(ok));
      for (const r of report.records) {
        console.log(`  ${r.problems.length === 0 ? 'OK    ' : 'BROKEN'} ${r.seq !== undefined ? `#${r.seq} ` : ''}${r.step ?? '?'} record ${r.recordId ?? r.file}`);
        console.log(`         files vs manifest ${mark(r.filesMatchManifest)}; record hash ${mark(r.recordHashValid)}; receipt signature and claims ${mark(r.receiptValid)}; chain link ${mark(r.chainLinkValid)}`);
        for (const problem of r.problems) console.log(`         - ${problem}`);
      }
      for (const problem of report.problems) console.log(`  package: ${problem}`);
      console.log(report.valid ? `VALID: ${report.records.length} record(s), every check held` : 'INVALID: see above');
      return report.valid ? 0 : 1;
    }
    case 'trail': {
      const [projectId] = rest;
      if (!projectId) return usage('trail needs a project id');
      const trail = await client.getTrail(projectId);
      for (const r of trail.records) console.log(`${'seq' in r ? String(r.seq).padStart(4) : '   -'}  ${r.txTime}  ${r.step.padEnd(24)} ${r.hash}`);
      console.log(`hash chain ${trail.chainValid ? 'intact' : 'BROKEN'}${trail.complete ? '' : ' (sealed records hidden from you until opening)'}${trail.complete && trail.records.some((r) => 'redacted' in r) ? ' (committee members hidden until the award)' : ''}`);
      return trail.chainValid ? 0 : 1;
    }
    case 'token': {
      const role = values.role as Role | undefined;
      if (!role || !(ROLES as readonly string[]).includes(role) || !values.sub) return usage('token --role platform|regulator|bidder --sub ID');
      const ttl = values.ttl ? Number(values.ttl) : undefined;
      console.log(await mintDevToken(path.resolve(process.env.DATA_DIR ?? 'data'), { role, sub: values.sub, ...(ttl ? { ttlSeconds: ttl } : {}) }));
      return 0;
    }
    default:
      return usage(`unknown command ${command}`);
  }
}

function usage(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(error instanceof TenderLedgerError ? `${error.code}: ${error.message}` : (error as Error).message);
  process.exitCode = 1;
});
