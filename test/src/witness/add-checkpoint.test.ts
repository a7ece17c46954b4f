import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import {
  SIG_ED25519,
  addSignatures,
  parseNote,
  parseSignatureLine,
  parseVerifierKey,
  signCheckpoint,
  splitCosignature,
  toBase64,
} from '@tender-ledger/tlog';
import { formatSignerKey, nodeEd25519, parseSignerKey } from '@tender-ledger/tlog/node';
import { CheckpointStore, Witness, createWitnessServer, loadOrCreateWitnessKey } from '@tender-ledger/witness';
import { TestLog, recordHashOf } from '../helpers/tlog.js';
import { tempDir } from '../helpers/temp.js';

interface Running {
  url: string;
  vkey: string;
  close(): Promise<void>;
}

async function startWitness(dir: string, logs: TestLog[], now = () => 1_790_000_000): Promise<Running> {
  const key = await loadOrCreateWitnessKey(dir, 'witness.test/w');
  const store = new CheckpointStore(path.join(dir, 'checkpoints'));
  await store.init();
  const witness = new Witness({
    name: key.name,
    signer: key.signer,
    store,
    now,
    logs: logs.map((l) => parseVerifierKey(l.logKey.vkey, nodeEd25519)),
  });
  const server: Server = await new Promise((resolve) => {
    const s = createWitnessServer({ witness }).listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    vkey: key.vkey,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

function body(oldSize: number, proof: Uint8Array[], checkpoint: string): string {
  return `old ${oldSize}\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${checkpoint}`;
}

async function add(w: Running, text: string | Uint8Array): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${w.url}/add-checkpoint`, {
    method: 'POST',
    body: typeof text === 'string' ? text : Uint8Array.from(text).buffer,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** A log that agrees with `log` on the first `common` records, then diverges. */
function fork(log: TestLog, common: number, size: number): TestLog {
  const other = new TestLog(log.origin, 0, log.logKey).grow(common);
  for (let i = common; i < size; i++) other.tree.appendData(Buffer.from(recordHashOf(i + 1_000_000), 'hex'));
  return other;
}

describe('witness: POST /add-checkpoint (c2sp.org/tlog-witness)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let log: TestLog;
  let w: Running;

  beforeEach(async () => {
    tmp = tempDir('tender-witness-');
    log = new TestLog('tender-ledger.test/log', 0).grow(30);
    w = await startWitness(tmp.dir, [log]);
  });
  afterEach(async () => {
    await w.close();
    tmp.remove();
  });

  it('cosigns a first checkpoint from old 0, then one that extends it by a consistency proof; the cosignature verifies', async () => {
    const first = await add(w, body(0, [], log.checkpoint(10)));
    expect(first.status, first.text).to.equal(200);
    expect(first.type).to.match(/^text\/plain/);
    const line = first.text.trimEnd();
    expect(first.text.endsWith('\n')).to.equal(true);
    const sig = parseSignatureLine(line);
    expect(splitCosignature(sig.signature)?.timestamp).to.equal(1_790_000_000);
    const verifier = parseVerifierKey(w.vkey, nodeEd25519);
    expect(verifier.verify(parseNote(log.checkpoint(10)).text, sig.signature)).to.equal(true);

    const second = await add(w, body(10, log.tree.consistencyProof(10, 20), log.checkpoint(20)));
    expect(second.status, second.text).to.equal(200);
  });

  it("serves the latest cosigned checkpoint, with the log's signature and its own, at GET /<sha256(origin)>/checkpoint", async () => {
    await add(w, body(0, [], log.checkpoint(12)));
    const res = await fetch(`${w.url}/${CheckpointStore.originHash(log.origin)}/checkpoint`);
    expect(res.status).to.equal(200);
    const note = parseNote(await res.text());
    expect(note.text).to.equal(parseNote(log.checkpoint(12)).text);
    expect(note.signatures.map((s) => s.name)).to.deep.equal([log.origin, 'witness.test/w']);
    expect((await fetch(`${w.url}/${'0'.repeat(64)}/checkpoint`)).status).to.equal(404);
  });

  it('answers 404 for a log it does not witness', async () => {
    const other = new TestLog('other.test/log', 0).grow(3);
    const res = await add(w, body(0, [], other.checkpoint()));
    expect(res.status).to.equal(404);
    expect(res.text).to.match(/^TLOG_ORIGIN_UNKNOWN: /);
  });

  it("answers 403 when the log's signature fails, or when no signature is by the log's key", async () => {
    const tampered = log.checkpoint(10).replace('\n10\n', '\n11\n');
    const bad = await add(w, body(0, [], tampered));
    expect([bad.status, bad.text.split(':')[0]]).to.deep.equal([403, 'TLOG_SIGNATURE_INVALID']);
    const impostor = parseSignerKey(formatSignerKey(log.origin, SIG_ED25519, new Uint8Array(32).fill(9)));
    const forged = signCheckpoint({ origin: log.origin, size: 10, rootHash: log.tree.root(10), extensions: [] }, impostor.signer);
    const missing = await add(w, body(0, [], forged));
    expect([missing.status, missing.text.split(':')[0]]).to.deep.equal([403, 'TLOG_SIGNATURE_MISSING']);
  });

  it('answers 409 with its latest size as text/x.tlog.size when the old size is not the latest it cosigned', async () => {
    expect((await add(w, body(0, [], log.checkpoint(20)))).status).to.equal(200);
    const res = await add(w, body(10, log.tree.consistencyProof(10, 25), log.checkpoint(25)));
    expect(res.status).to.equal(409);
    expect(res.type).to.match(/^text\/x\.tlog\.size/);
    expect(res.text).to.equal('20\n');
    expect((await add(w, body(0, [], log.checkpoint(25)))).text).to.equal('20\n');
  });

  it('refuses a split view: another checkpoint of the size it cosigned, built on the old size, is 409; offered as the same size, 422', async () => {
    expect((await add(w, body(0, [], log.checkpoint(10)))).status).to.equal(200);
    expect((await add(w, body(10, log.tree.consistencyProof(10, 20), log.checkpoint(20)))).status).to.equal(200);
    const other = fork(log, 15, 20);
    const fromTen = await add(w, body(10, other.tree.consistencyProof(10, 20), other.checkpoint(20)));
    expect([fromTen.status, fromTen.text]).to.deep.equal([409, '20\n']);
    const sameSize = await add(w, body(20, [], other.checkpoint(20)));
    expect([sameSize.status, sameSize.text.split(':')[0]]).to.deep.equal([422, 'TLOG_CONSISTENCY_INVALID']);
    // The same checkpoint again is fine: nothing was rewritten.
    expect((await add(w, body(20, [], log.checkpoint(20)))).status).to.equal(200);
  });

  it('answers 422 to a rewrite: a larger tree that does not extend what it cosigned', async () => {
    expect((await add(w, body(0, [], log.checkpoint(20)))).status).to.equal(200);
    const rewritten = fork(log, 15, 30);
    const res = await add(w, body(20, rewritten.tree.consistencyProof(20, 30), rewritten.checkpoint(30)));
    expect([res.status, res.text.split(':')[0]]).to.deep.equal([422, 'TLOG_CONSISTENCY_INVALID']);
    // Still at 20: the refused checkpoint was not stored.
    expect((await add(w, body(0, [], log.checkpoint(30)))).text).to.equal('20\n');
  });

  it("answers 422 to a proof from size 0 and to a size-0 checkpoint whose root is not the empty tree's", async () => {
    const withProof = await add(w, body(0, [log.tree.root(1)], log.checkpoint(10)));
    expect(withProof.status).to.equal(422);
    const emptyWrong = signCheckpoint({ origin: log.origin, size: 0, rootHash: log.tree.root(1), extensions: [] }, log.logKey.signer);
    expect((await add(w, body(0, [], emptyWrong))).status).to.equal(422);
    expect((await add(w, body(0, [], log.checkpoint(0)))).status).to.equal(200);
  });

  for (const [what, make] of [
    ['an old line that is not "old <size>"', () => body(0, [], log.checkpoint(10)).replace('old 0', 'old 00')],
    ['an old size above the checkpoint size', () => body(11, [], log.checkpoint(10))],
    ['a proof line that is not a base64 hash', () => `old 5\nnot-a-hash\n\n${log.checkpoint(10)}`],
    [
      '64 proof lines',
      () =>
        body(
          5,
          Array.from({ length: 64 }, () => new Uint8Array(32)),
          log.checkpoint(10),
        ),
    ],
    ['no blank line', () => `old 0\n${log.checkpoint(10)}`.replace('\n\n', '\n')],
    ['a checkpoint that is not a signed note', () => 'old 0\n\nhello\n'],
    ['a body that is not UTF-8', () => Buffer.concat([Buffer.from('old 0\n\n'), Buffer.from([0xff, 0xfe])])],
  ] as const) {
    it(`answers 400 to ${what}`, async () => {
      const res = await add(w, make());
      expect(res.status, res.text).to.equal(400);
      expect(res.text).to.match(/^TLOG_(NOTE|PROOF)_MALFORMED: /);
    });
  }

  it('lets exactly one of three racing requests from the same old size through (atomic check-and-persist)', async () => {
    expect((await add(w, body(0, [], log.checkpoint(10)))).status).to.equal(200);
    const results = await Promise.all([
      add(w, body(10, log.tree.consistencyProof(10, 20), log.checkpoint(20))),
      add(w, body(10, log.tree.consistencyProof(10, 25), log.checkpoint(25))),
      add(w, body(10, log.tree.consistencyProof(10, 30), log.checkpoint(30))),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409, 409]);
  });

  it('keeps its key and its latest checkpoints across a restart', async () => {
    expect((await add(w, body(0, [], log.checkpoint(20)))).status).to.equal(200);
    const vkey = w.vkey;
    await w.close();
    w = await startWitness(tmp.dir, [log]);
    expect(w.vkey).to.equal(vkey);
    expect((await add(w, body(0, [], log.checkpoint(25)))).text).to.equal('20\n');
    expect((await add(w, body(20, log.tree.consistencyProof(20, 25), log.checkpoint(25)))).status).to.equal(200);
  });

  it("ignores signatures by keys it does not know next to the log's", async () => {
    const note = addSignatures(log.checkpoint(10), [`\u2014 stranger.test ${toBase64(new Uint8Array(68).fill(1))}`]);
    expect((await add(w, body(0, [], note))).status).to.equal(200);
  });
});
