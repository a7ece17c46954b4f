import path from 'node:path';
import { expect } from 'chai';
import { logPolicy, verifyProof } from '@tender-ledger/client-sdk';
import { sha256Hex } from '@tender-ledger/domain';
import { loadOrCreateLogKey } from '@tender-ledger/gateway';
import { SIG_COSIGNATURE_V1, SIG_ED25519, formatVerifierKey, parseCheckpoint, parseNote, parsePolicy, signCheckpoint, toBase64, verifyCheckpoint, type Ed25519Signer } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { loadOrCreateWitnessKey } from '@tender-ledger/witness';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/temp.js';
import { freePort } from '../helpers/ports.js';

interface Org {
  origin: string;
  peer: 'platform' | 'regulator';
  dataDir: string;
  port: number;
  logVkey: string;
  logSigner: Ed25519Signer;
  witnessVkey: string;
  gateway?: TestGateway;
}

/** Polls `check` every 200 ms until it gives a value, for at most `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Issue 12 on a live network: each organisation's gateway builds the log from its own peer's
 * committed blocks (the TradingCentre's and the Regulator's), and each witnesses the other's,
 * cosigning only checkpoints that are the root of its own tree. A cosigned checkpoint is the two
 * organisations' statement that their ledgers agree up to its size.
 */
describe('the transparency log on Fabric: each organisation\'s tree from its own peer, witnessed by the other', function () {
  this.timeout(600_000);
  const temp = tempDir('tender-fabric-tlog-');
  const orgs: { tc: Org; reg: Org } = {} as { tc: Org; reg: Org };

  before(async () => {
    // Keys and ports first: each gateway's configuration names the other's.
    for (const [name, origin, peer] of [['tc', 'tradingcentre.test/tender-ledger', 'platform'], ['reg', 'regulator.test/tender-ledger', 'regulator']] as const) {
      const dataDir = path.join(temp.dir, name);
      const logKey = await loadOrCreateLogKey(dataDir, origin);
      const witnessKey = await loadOrCreateWitnessKey(path.join(dataDir, 'keys', 'witness'), `${origin}/witness`);
      orgs[name] = {
        origin, peer, dataDir, port: await freePort(), logSigner: logKey.signer,
        logVkey: formatVerifierKey(origin, SIG_ED25519, logKey.signer.publicKey),
        witnessVkey: formatVerifierKey(`${origin}/witness`, SIG_COSIGNATURE_V1, witnessKey.signer.publicKey),
      };
    }
    for (const [self, other] of [[orgs.tc, orgs.reg], [orgs.reg, orgs.tc]] as const) {
      self.gateway = await startTestGateway({
        DATA_DIR: self.dataDir, PORT: String(self.port), LOG_ORIGIN: self.origin, FABRIC_TLOG: 'true', FABRIC_TLOG_PEER: self.peer,
        WITNESSES: JSON.stringify([{ url: `http://127.0.0.1:${other.port}/witness`, vkey: other.witnessVkey }]),
        TLOG_WITNESS_FOR: JSON.stringify([other.logVkey]),
      }, 'fabric');
    }
  });
  after(async () => {
    await orgs.tc?.gateway?.close();
    await orgs.reg?.gateway?.close();
    temp.remove();
  });

  it('gives each record a proof, from either organisation\'s gateway, that verifies offline against a checkpoint the other organisation cosigned', async () => {
    const tc = orgs.tc.gateway!;
    const reg = orgs.reg.gateway!;
    const platform = await tc.client('platform', 'gz-etrading');
    const written = [];
    for (let i = 0; i < 3; i++) written.push((await platform.notarise({ sha256: sha256Hex(`fabric tlog ${Date.now()} ${i}`), kind: 'archive' })).record);
    const policies = {
      tc: logPolicy({ log: orgs.tc.logVkey, witnesses: [orgs.reg.witnessVkey], threshold: 1 }),
      reg: logPolicy({ log: orgs.reg.logVkey, witnesses: [orgs.tc.witnessVkey], threshold: 1 }),
    };
    for (const record of written) {
      const indices: number[] = [];
      for (const [name, gateway] of [['tc', tc], ['reg', reg]] as const) {
        // Each gateway's own tree, from its own organisation's peer, cosigned by the other organisation.
        const bundle = await until(`${name}'s proof of ${record.recordId}`, async () => {
          const res = await fetch(`${gateway.url}/v1/records/${record.recordId}/proof`);
          return res.status === 200 ? res.text() : undefined;
        });
        const verified = verifyProof(bundle, record.hash, policies[name]);
        expect(verified.cosignatures, `${name}'s checkpoint carries the other organisation's cosignature`).to.have.length(1);
        indices.push(verified.index);
      }
      // The same leaf in both trees: the same records in the same order.
      expect(indices[0]).to.equal(indices[1]);
    }
    // Both published checkpoints verify under their policies; at the smaller size both trees have the same root.
    const checkpoints = await Promise.all([tc, reg].map(async (g) => (await fetch(`${g.url}/checkpoint`)).text()));
    verifyCheckpoint(checkpoints[0]!, parsePolicy(policies.tc, { ed25519: nodeEd25519 }), { cache: false });
    verifyCheckpoint(checkpoints[1]!, parsePolicy(policies.reg, { ed25519: nodeEd25519 }), { cache: false });
  });

  it('refuses to cosign a checkpoint of the other organisation that its own peer\'s ledger does not have (422), and one beyond its tree for now (503)', async () => {
    const reg = orgs.reg.gateway!;
    const current = parseCheckpoint(parseNote(await (await fetch(`${orgs.tc.gateway!.url}/checkpoint`)).text()).text);
    // The TradingCentre's log key signs a root that is not the ledger's: a rewritten history.
    const rewritten = current.rootHash.map((b) => b ^ 1);
    const forged = signCheckpoint({ origin: orgs.tc.origin, size: current.size, rootHash: rewritten, extensions: [] }, orgs.tc.logSigner);
    const refused = await fetch(`${reg.url}/witness/add-checkpoint`, { method: 'POST', body: `old 0\n\n${forged}` });
    expect(refused.status).to.equal(422);
    expect(await refused.text()).to.match(/^TLOG_CONSISTENCY_INVALID: .*the two ledgers disagree/);
    const beyond = signCheckpoint({ origin: orgs.tc.origin, size: current.size + 1_000_000, rootHash: current.rootHash, extensions: [] }, orgs.tc.logSigner);
    const ahead = await fetch(`${reg.url}/witness/add-checkpoint`, { method: 'POST', body: `old 0\n\n${beyond}` });
    expect(ahead.status).to.equal(503);
    expect(await ahead.text()).to.match(/^LEDGER_UNAVAILABLE: .*its peer is behind/);
    expect(toBase64(rewritten)).not.to.equal(toBase64(current.rootHash));
  });
});
