/**
 * Transparency log figures: offline verifyProof throughput (SDK, one thread) and tlog-proof
 * bundle sizes with three cosignatures, plus tree append and proof generation rates.
 * `npm run bench:tlog` (TLOG_BENCH_SECONDS per measurement, default 3).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  MemoryTree,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  addSignatures,
  cosignText,
  formatPolicy,
  formatProofBundle,
  inclusionPlan,
  parseNote,
  parsePolicy,
  signCheckpoint,
} from '@tender-ledger/tlog';
import { generateSignerKey, nodeEd25519, parseSignerKey } from '@tender-ledger/tlog/node';
import { verifyProof } from '@tender-ledger/client-sdk';
import { must } from '@tender-ledger/domain';

const SECONDS = Number(process.env['TLOG_BENCH_SECONDS'] ?? 3);
// Realistic names: the lengths of origin and witness names are most of a bundle's fixed size.
const ORIGIN = 'tender-ledger.gz-etrading.example/log';
const WITNESS_NAMES = ['witness.regulator.example', 'witness.notary.example', 'witness.centre2.example'];

const logKey = parseSignerKey(generateSignerKey(ORIGIN, SIG_ED25519));
const witnesses = WITNESS_NAMES.map((n) => parseSignerKey(generateSignerKey(n, SIG_COSIGNATURE_V1)));
const policyText = formatPolicy({ logs: [logKey.vkey], witnesses: witnesses.map((w) => w.vkey), threshold: 3 });

function cosigned(size: number, rootHash: Uint8Array): string {
  const note = signCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }, logKey.signer);
  const { text } = parseNote(note);
  return addSignatures(
    note,
    witnesses.map((w) => cosignText(text, w.name, w.signer, Math.floor(Date.now() / 1000))),
  );
}

function rate(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < 200; i++) fn(i); // warm up
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 50; k++) fn(n++);
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(72)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} /s`);
  return perSecond;
}

const recordHash = (i: number): Buffer => createHash('sha256').update(`record-${i}`).digest();

console.log(`node ${process.version}, ${SECONDS}s per figure, one thread\n`);

// A real tree of 10^6 records.
const N = 1_000_000;
const tree = new MemoryTree();
const t = performance.now();
for (let i = 0; i < N; i++) tree.appendData(recordHash(i));
console.log(
  `${'MemoryTree: append 10^6 record hashes'.padEnd(72)} ${Math.round(N / ((performance.now() - t) / 1000))
    .toLocaleString('en-US')
    .padStart(10)} /s`,
);
const checkpoint = cosigned(N, tree.root());
rate('MemoryTree: inclusion proof at 10^6 leaves', (i) => tree.inclusionProof((i * 7919) % N));

const SAMPLE = 4096;
const bundles = Array.from({ length: SAMPLE }, (_, k) => {
  const index = (k * 104_729) % N;
  return { index, hash: recordHash(index), text: formatProofBundle({ index, inclusionProof: tree.inclusionProof(index), checkpoint }) };
});
console.log('');
const warm = rate('verifyProof, 10^6 leaves, 3 cosignatures, one checkpoint (signatures cached)', (i) => {
  const b = must(bundles[i % SAMPLE], 'a sample bundle');
  verifyProof(b.text, b.hash, policyText);
});
const cold = rate('verifyProof, 10^6 leaves, 3 cosignatures, every signature checked (no cache)', (i) => {
  const b = must(bundles[i % SAMPLE], 'a sample bundle');
  verifyProof(b.text, b.hash, policyText, { cache: false });
});
const purePolicy = parsePolicy(policyText);
const pure = rate('verifyProof, pure-JS Ed25519 (browser path), no cache', (i) => {
  const b = must(bundles[i % SAMPLE], 'a sample bundle');
  verifyProof(b.text, b.hash, purePolicy, { cache: false });
});
rate(
  'Ed25519 verify alone (Node/OpenSSL)',
  (() => {
    const msg = randomBytes(120);
    const sig = logKey.signer.sign(msg);
    return () => nodeEd25519.verify(logKey.signer.publicKey, msg, sig);
  })(),
);

console.log('\nbundle size with 3 cosignatures (longest path; origin and witness names as above):');
const sizes: Record<string, number> = {};
for (const n of [1_000, 1_000_000, 10_000_000]) {
  // Indexes in the left complete subtree have the longest path, ceil(log2 n) hashes.
  const index = 2 ** (Math.ceil(Math.log2(n)) - 1) - 1;
  const pathLength = inclusionPlan(index, n).length;
  // Up to 10^6 from the real tree (it keeps every older size); 10^7 with stand-in hashes of the same length.
  const text =
    n <= N
      ? formatProofBundle({ index, inclusionProof: tree.inclusionProof(index, n), checkpoint: cosigned(n, tree.root(n)) })
      : formatProofBundle({
          index,
          inclusionProof: Array.from({ length: pathLength }, () => randomBytes(32)),
          checkpoint: cosigned(n, randomBytes(32)),
        });
  sizes[String(n)] = Buffer.byteLength(text);
  console.log(
    `  ${n.toLocaleString('en-US').padStart(10)} leaves: ${pathLength} proof hashes, ${Buffer.byteLength(text)} bytes${n > N ? ' (hashes stand-in: same length)' : ''}`,
  );
}
console.log(
  JSON.stringify({
    verifyProofPerSecond: { cached: Math.round(warm), uncached: Math.round(cold), pureJs: Math.round(pure) },
    bundleBytes: sizes,
  }),
);
