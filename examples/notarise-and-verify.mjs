// Notarise a file and check it again: `node examples/notarise-and-verify.mjs [file]`
// with TENDER_URL (default http://127.0.0.1:8080) and TENDER_TOKEN (a platform token).
import { writeFile } from 'node:fs/promises';
import { TenderLedgerClient, verifyReceipt } from '@tender-ledger/client-sdk';

const client = new TenderLedgerClient({
  baseUrl: process.env.TENDER_URL ?? 'http://127.0.0.1:8080',
  token: process.env.TENDER_TOKEN,
});

let file = process.argv[2];
if (!file) {
  file = '招标公告.txt';
  await writeFile(file, `tender announcement, ${new Date().toISOString()}`);
}

// Only the file's SHA-256 leaves this machine.
const { record, receipt } = await client.notariseFile(file, { kind: 'announcement' });
console.log(`recorded ${record.payload.sha256} at ${record.txTime}, record ${record.recordId}`);

// Offline: the receipt's signature against the gateway's published keys (fetch them once).
const { claims } = await verifyReceipt(receipt, await client.jwks());
console.log(`receipt valid: ${claims.step} in block ${claims.blockNumber}`);

// Anyone, without a token: every record of this file.
const { records } = await client.verifyFile(file);
console.log(`the ledger knows this file ${records.length} time(s)`);
