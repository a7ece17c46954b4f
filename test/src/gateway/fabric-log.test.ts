import path from 'node:path';
import { expect } from 'chai';
import { common } from '@hyperledger/fabric-protos';
import { LedgerError, sha256Hex } from '@tender-ledger/domain';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import {
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  toHex,
  verifyNoteSignatures,
} from '@tender-ledger/tlog';
import { generateSignerKey, nodeEd25519, parseSignerKey } from '@tender-ledger/tlog/node';
import { FabricLog, fabricBlockLeaves } from '@tender-ledger/gateway';
import { CheckpointStore, Witness } from '@tender-ledger/witness';
import { instanceOf, present } from '../helpers/assert.js';
import { ManualClock } from '../helpers/clock.js';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';
import { fabricBlock } from '../helpers/fabric-blocks.js';

describe("the transparency log on Fabric (FabricLog, a peer organisation's witness)", () => {
  let temp: ReturnType<typeof tempDir>;
  let blocks: [common.Block, common.Block, common.Block];
  let expected: string[];

  beforeEach(async () => {
    temp = tempDir('tender-fabric-log-');
    const ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now, transparencyLog: true });
    const committed = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        ledger.submit({
          identity: platformA,
          fn: 'notary:notariseDocument',
          args: [JSON.stringify({ sha256: sha256Hex(`fabric ${i}`), kind: 'archive' })],
        }),
      ),
    );
    const txs = [];
    for (let n = 0; n < ledger.height; n++) txs.push(...present(await ledger.getBlock(n), `block ${n}`).txs);
    expected = committed.map((c) => (JSON.parse(c.result) as { hash: string }).hash);
    const ordered = txs.map((t) => ({ txId: t.txId, event: present(t.event, `the event of ${t.txId}`) }));
    const [first, second] = [present(ordered[0], "the first record's transaction"), present(ordered[1], "the second record's transaction")];
    // Block 0: a config transaction; block 1: two records with an invalidated copy between; block 2: the rest.
    blocks = [
      fabricBlock(0, [{ txId: 'config', type: common.HeaderType.CONFIG }]),
      fabricBlock(1, [first, { ...second, txId: 'conflicted', valid: false }, second]),
      fabricBlock(2, ordered.slice(2)),
    ];
    expected = ordered.map((t) => (JSON.parse(t.event.payload) as { hash: string }).hash);
    await ledger.close();
  });
  afterEach(() => {
    temp.remove();
  });

  describe('fabricBlockLeaves', () => {
    it("takes valid endorser transactions' records, in block then transaction order", () => {
      const leaves = blocks.flatMap((b) => fabricBlockLeaves(b));
      expect(leaves.map((l) => toHex(l.data))).to.deep.equal(expected);
      expect(leaves.map((l) => l.txId)).not.to.include('conflicted');
    });
  });

  describe("two organisations' gateways, each witnessing the other's log against its own tree", () => {
    const witnessOf = async (ownTree: FabricLog, logVkey: string, catchUpMs?: number) => {
      const cosigner = parseSignerKey(generateSignerKey('regulator.example/tender-ledger/witness', SIG_COSIGNATURE_V1));
      const store = new CheckpointStore(path.join(temp.dir, `witness-${Math.random().toString(36).slice(2)}`));
      await store.init();
      const witness = new Witness({
        name: cosigner.name,
        signer: cosigner.signer,
        store,
        ownTree,
        logs: [parseVerifierKey(logVkey, nodeEd25519)],
        ...(catchUpMs !== undefined ? { catchUpMs } : {}),
      });
      return { witness, cosigner };
    };
    const fromEmpty = (note: string) => new TextEncoder().encode(`old 0\n\n${note}`);
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => instanceOf(error, LedgerError).code,
      );

    it("build the same tree from their own peers' blocks, so each cosigns the other's checkpoint", async () => {
      const [tc, reg] = ['tradingcentre.example/tender-ledger', 'regulator.example/tender-ledger'].map((origin) => {
        const log = new FabricLog();
        for (const b of blocks) log.applyBlock(b);
        return { origin, log, logKey: parseSignerKey(generateSignerKey(origin, SIG_ED25519)) };
      }) as [
        { origin: string; log: FabricLog; logKey: ReturnType<typeof parseSignerKey> },
        { origin: string; log: FabricLog; logKey: ReturnType<typeof parseSignerKey> },
      ];
      expect(toHex(tc.log.root())).to.equal(toHex(reg.log.root()));
      expect(tc.log.size).to.equal(6);
      const { witness, cosigner } = await witnessOf(reg.log, tc.logKey.vkey);
      const note = signCheckpoint({ origin: tc.origin, size: tc.log.size, rootHash: tc.log.root(), extensions: [] }, tc.logKey.signer);
      const answer = await witness.addCheckpoint(fromEmpty(note));
      expect(answer.status).to.equal(200);
      const lines = answer.status === 200 ? answer.cosignatures : [];
      const cosigned = parseNote(`${note}${lines.map((l) => `${l}\n`).join('')}`);
      expect(verifyNoteSignatures(cosigned, [parseVerifierKey(cosigner.vkey, nodeEd25519)])).to.have.length(1);
    });

    it('refuses while its own peer is behind (LEDGER_UNAVAILABLE, retried), cosigns once it caught up, and never a root its ledger does not have (TLOG_CONSISTENCY_INVALID)', async () => {
      const tc = new FabricLog();
      for (const b of blocks) tc.applyBlock(b);
      const reg = new FabricLog();
      reg.applyBlock(blocks[0]);
      reg.applyBlock(blocks[1]);
      const key = parseSignerKey(generateSignerKey('tc.example/tender-ledger', SIG_ED25519));
      const ahead = signCheckpoint({ origin: key.name, size: 6, rootHash: tc.root(), extensions: [] }, key.signer);
      const impatient = await witnessOf(reg, key.vkey, 100);
      expect(await refusal(impatient.witness.addCheckpoint(fromEmpty(ahead)))).to.equal('LEDGER_UNAVAILABLE');
      const forged = signCheckpoint(
        { origin: key.name, size: 2, rootHash: tc.root(1).map((b: number) => b ^ 1), extensions: [] },
        key.signer,
      );
      expect(await refusal(impatient.witness.addCheckpoint(fromEmpty(forged)))).to.equal('TLOG_CONSISTENCY_INVALID');
      // Its peer commits the missing block while the request waits: then it cosigns.
      const patient = await witnessOf(reg, key.vkey, 60_000);
      const answered = patient.witness.addCheckpoint(fromEmpty(ahead));
      setTimeout(() => reg.applyBlock(blocks[2]), 100);
      expect((await answered).status).to.equal(200);
      expect(() => reg.applyBlock(blocks[0])).to.throw(/block 0 given, block 3 expected/);
    });
  });
});
