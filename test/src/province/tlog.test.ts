import { expect } from 'chai';
import { verifyProof } from '@tender-ledger/client-sdk';
import { sha256Hex } from '@tender-ledger/domain';
import { tempDir } from '../helpers/temp.js';
import { policyOf, proofOf, startWitnessingGateways, type WitnessingOrg } from '../helpers/witnessing-gateways.js';

/** How a province centre's gateway runs: its platform signs as User1 of its organisation, public reads as User2, through its own peer. */
const centre = (mspId: string) => ({
  PLATFORM_MSP_ID: mspId,
  FABRIC_TLOG_PEER: 'platform',
  FABRIC_PLATFORM_IDENTITIES: JSON.stringify({ 'gz-etrading': 'User1' }),
  FABRIC_PUBLIC_IDENTITY: 'User2',
  FABRIC_BIDDER_IDENTITY: 'User2',
  FABRIC_REGULATOR_IDENTITY: 'User1',
});

/**
 * Issue 17: the transparency log runs per centre over the same blocks, each centre's gateway
 * building it from its own peer, and the centres are each other's witnesses: a proof from any
 * centre is handed out only once every other centre has cosigned, from its own peer, that its
 * ledger has the same tree.
 */
describe("The province network: each centre's transparency log, witnessed by the other centres", function () {
  this.timeout(600_000);
  const temp = tempDir('tender-province-tlog-');
  let centres: WitnessingOrg[] = [];

  before(async () => {
    centres = await startWitnessingGateways(temp.dir, [
      { name: 'city-a', origin: 'city-a.province.test/tender-ledger', env: centre('TradingCentreMSP') },
      { name: 'city-b', origin: 'city-b.province.test/tender-ledger', env: centre('City2MSP') },
      { name: 'province', origin: 'province.test/tender-ledger', env: centre('ProvinceMSP') },
    ]);
  });
  after(async () => {
    for (const c of centres) await c.gateway.close();
    temp.remove();
  });

  it('gives a record written through city A a proof from every centre, each cosigned by both other centres, at the same leaf', async () => {
    const [cityA] = centres as [WitnessingOrg];
    const platform = await cityA.gateway.client('platform', 'gz-etrading');
    const { record } = await platform.notarise({ sha256: sha256Hex(`province tlog ${Date.now()}`), kind: 'archive' });
    const indices = [];
    for (const c of centres) {
      const verified = verifyProof(await proofOf(c.gateway, record.recordId), record, policyOf(c, centres));
      expect(
        verified.cosignatures.map((w) => w.witness),
        c.name,
      ).to.have.length(2);
      indices.push(verified.index);
    }
    expect(new Set(indices).size, `leaf indices ${indices.join(', ')}`).to.equal(1);
  });
});
