import { expect } from 'chai';
import { verifyProof } from '@tender-ledger/client-sdk';
import { sha256Hex } from '@tender-ledger/domain';
import { parseCheckpoint, parseNote, parsePolicy, signCheckpoint, verifyCheckpoint } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { tempDir } from '../helpers/temp.js';
import { policyOf, proofOf, startWitnessingGateways, type WitnessingOrg } from '../helpers/witnessing-gateways.js';

/**
 * Issue 12 on a live network: each organisation's gateway builds the log from its own peer's
 * committed blocks (the TradingCentre's and the Regulator's), and each witnesses the other's,
 * cosigning only checkpoints that are the root of its own tree. A cosigned checkpoint is the two
 * organisations' statement that their ledgers agree up to its size.
 */
describe("the transparency log on Fabric: each organisation's tree from its own peer, witnessed by the other", function () {
  this.timeout(600_000);
  const temp = tempDir('tender-fabric-tlog-');
  let orgs: WitnessingOrg[] = [];

  before(async () => {
    orgs = await startWitnessingGateways(temp.dir, [
      { name: 'tc', origin: 'tradingcentre.test/tender-ledger', env: { FABRIC_TLOG_PEER: 'platform' } },
      { name: 'reg', origin: 'regulator.test/tender-ledger', env: { FABRIC_TLOG_PEER: 'regulator' } },
    ]);
  });
  after(async () => {
    for (const org of orgs) await org.gateway.close();
    temp.remove();
  });

  it("gives each record a proof, from either organisation's gateway, that verifies offline against a checkpoint the other organisation cosigned", async () => {
    const [tc] = orgs as [WitnessingOrg, WitnessingOrg];
    const platform = await tc.gateway.client('platform', 'gz-etrading');
    for (let i = 0; i < 3; i++) {
      const { record } = await platform.notarise({ sha256: sha256Hex(`fabric tlog ${Date.now()} ${i}`), kind: 'archive' });
      const indices: number[] = [];
      for (const org of orgs) {
        // Each gateway's own tree, from its own organisation's peer, cosigned by the other organisation.
        const verified = verifyProof(await proofOf(org.gateway, record.recordId), record, policyOf(org, orgs));
        expect(verified.cosignatures, `${org.name}'s checkpoint carries the other organisation's cosignature`).to.have.length(1);
        indices.push(verified.index);
      }
      // The same leaf in both trees: the same records in the same order.
      expect(indices[0]).to.equal(indices[1]);
    }
    for (const org of orgs) {
      const note = await (await fetch(`${org.gateway.url}/checkpoint`)).text();
      verifyCheckpoint(note, parsePolicy(policyOf(org, orgs), { ed25519: nodeEd25519 }), { cache: false });
    }
  });

  it("refuses to cosign a checkpoint of the other organisation that its own peer's ledger does not have (422), and one beyond its tree for now (503)", async () => {
    const [tc, reg] = orgs as [WitnessingOrg, WitnessingOrg];
    const current = parseCheckpoint(parseNote(await (await fetch(`${tc.gateway.url}/checkpoint`)).text()).text);
    // The TradingCentre's log key signs a root that is not the ledger's: a rewritten history.
    const forged = signCheckpoint(
      { origin: tc.origin, size: current.size, rootHash: current.rootHash.map((b) => b ^ 1), extensions: [] },
      tc.logSigner,
    );
    const refused = await fetch(`${reg.gateway.url}/witness/add-checkpoint`, { method: 'POST', body: `old 0\n\n${forged}` });
    expect(refused.status).to.equal(422);
    expect(await refused.text()).to.match(/^TLOG_CONSISTENCY_INVALID: .*the two ledgers disagree/);
    const beyond = signCheckpoint(
      { origin: tc.origin, size: current.size + 1_000_000, rootHash: current.rootHash, extensions: [] },
      tc.logSigner,
    );
    const ahead = await fetch(`${reg.gateway.url}/witness/add-checkpoint`, { method: 'POST', body: `old 0\n\n${beyond}` });
    expect(ahead.status).to.equal(503);
    expect(await ahead.text()).to.match(/^LEDGER_UNAVAILABLE: .*its peer is behind/);
  });
});
