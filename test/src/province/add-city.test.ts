import { randomUUID } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { checkChain, type LedgerRecord } from '@tender-ledger/domain';
import type { Committed, FabricBackend, FabricConnection, Reader } from '@tender-ledger/gateway';
import { present } from '../helpers/assert.js';
import { sealedBid } from '../helpers/tender.js';
import {
  centreGateway,
  endorsersOfTx,
  ISSUER,
  network,
  platform,
  rawGateway,
  readConnection,
  REGULATOR,
  sha,
} from '../helpers/province.js';

/**
 * A city centre added to the running province network by `network.sh add-city` (a configuration
 * update signed by a majority of the organisations' admins, its peer joined, the next chaincode
 * definition naming it), then trading within the test. The network stays as add-city leaves it:
 * the suite's other files run on it with the new city among the organisations.
 */
const CITY_A = 'TradingCentreMSP';

describe('A city added to the running province channel', function () {
  this.timeout(600_000);
  /** What add-city left: the connection file, the new city's MSP id, its gateway and A's, a raw connection through its peer. */
  let joined: {
    connection: FabricConnection;
    newCity: string;
    cityNew: FabricBackend;
    cityA: FabricBackend;
    raw: ReturnType<typeof rawGateway>;
  };
  const projectId = `ADD-${randomUUID().slice(0, 8)}`;
  const steps: Record<'registered' | 'bidder' | 'commitment', Committed> = {} as never;

  before(async () => {
    const known = Object.keys(readConnection().peers);
    const started = Date.now();
    await network(['add-city'], 540_000);
    console.log(`      [measured] network.sh add-city took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const connection = readConnection();
    const added = Object.keys(connection.peers).filter((mspId) => !known.includes(mspId));
    expect(added, 'add-city added one organisation to the connection file').to.have.length(1);
    const newCity = present(added[0], 'the added organisation');
    const [cityNew, cityA] = await Promise.all([centreGateway(connection, newCity), centreGateway(connection, CITY_A)]);
    joined = { connection, newCity, cityNew, cityA, raw: rawGateway(connection, newCity, 'User1') };
  });
  after(async () => {
    joined?.raw.gateway.close();
    joined?.raw.client.close();
    await Promise.all([joined?.cityNew.close(), joined?.cityA.close()]);
  });

  const regulator = { kind: 'caller', caller: { role: 'regulator', issuer: ISSUER, sub: 'regulator' } } as const;
  type Trail = { records: LedgerRecord[]; chainValid: boolean };
  const trailOf = async (backend: FabricBackend, reader: Reader) =>
    JSON.parse(await backend.evaluate(reader, 'tender:getTrail', [projectId])) as Trail;
  /** The whole trail as the new city's platform reads it on its own peer: the peer whose commit the writes waited for. */
  const trailOfOwner = () => trailOf(joined.cityNew, { kind: 'caller', caller: platform });
  /** Another peer commits the same block a little later: read it there once it has (bounded; the time is not asserted). */
  async function afterCatchUp<T>(read: () => Promise<T>, ready: (value: T) => boolean): Promise<T> {
    let value = await read();
    for (const until = Date.now() + 60_000; !ready(value) && Date.now() < until; value = await read())
      await new Promise((resolve) => setTimeout(resolve, 250));
    return value;
  }
  const documentOf = (label: string) => JSON.stringify({ projectId, sha256: sha(`${label} ${randomUUID()}`), kind: 'clarification' });

  it("registers a project, a bidder and a sealed bid through the new city's gateway, each endorsed by its peer and the regulator's", async () => {
    const now = Date.now();
    steps.registered = await joined.cityNew.submit(
      platform,
      'tender:registerProject',
      [
        JSON.stringify({
          projectId,
          name: '新城市测试工程',
          category: 'construction',
          estimatedPrice: 100_000_000,
          depositAmount: 2_000_000,
          bidDeadline: new Date(now + 3_600_000).toISOString(),
          openingTime: new Date(now + 7_200_000).toISOString(),
          tenderDocSha256: sha(`tender documents of ${projectId}`),
        }),
      ],
      projectId,
    );
    steps.bidder = await joined.cityNew.submit(
      platform,
      'tender:registerBidder',
      [projectId, JSON.stringify({ bidderId: 'B1', deposit: { form: 'cash', amount: 2_000_000 } })],
      projectId,
    );
    steps.commitment = await joined.cityNew.submit(
      platform,
      'tender:commitBid',
      [projectId, JSON.stringify({ bidderId: 'B1', commitment: sealedBid(projectId, 'B1', 95_000_000).commitment })],
      projectId,
    );
    for (const step of Object.values(steps)) {
      expect(await endorsersOfTx(joined.raw.gateway, joined.connection.channel, step.txId)).to.deep.equal(
        [REGULATOR, joined.newCity].sort(),
      );
    }
  });

  it("shows those steps, in the same blocks and as a valid chain, through another city's gateway", async () => {
    const ids = Object.values(steps).map((step) => step.txId);
    // Through A's peer: each step in the block the new city's gateway named.
    await afterCatchUp(
      () => joined.cityA.transaction(steps.commitment.txId),
      (found) => found !== undefined,
    );
    for (const step of Object.values(steps)) {
      expect(await joined.cityA.transaction(step.txId)).to.deep.equal({ blockNumber: step.blockNumber, blockHash: step.blockHash });
    }
    const publicTrail = await trailOf(joined.cityA, { kind: 'public' });
    expect(publicTrail.records.map((r) => r.recordId)).to.include(steps.registered.txId);
    expect(publicTrail.chainValid).to.equal(true);
    // Through A's gateway as the regulator (its peer): the whole trail, sealed steps included.
    const trail = await afterCatchUp(
      () => trailOf(joined.cityA, regulator),
      (t) => ids.every((id) => t.records.some((r) => r.recordId === id)),
    );
    expect(trail.records.map((r) => r.recordId)).to.include.members(ids);
    expect(trail.records.find((r) => r.recordId === steps.registered.txId)?.actor.mspId).to.equal(joined.newCity);
    expect(checkChain(trail.records).valid).to.equal(true);
  });

  for (const [without, endorsers] of [
    ['the new city', () => [CITY_A, REGULATOR]],
    ['the regulator', () => [joined.newCity, CITY_A]],
  ] as const) {
    it(`refuses a write for its project endorsed without ${without} (ENDORSEMENT_POLICY_FAILURE)`, async () => {
      const contract = joined.raw.gateway.getNetwork(joined.connection.channel).getContract(joined.connection.chaincode);
      const transaction = await contract
        .newProposal('tender:notariseDocument', { arguments: [documentOf(`without ${without}`)], endorsingOrganizations: endorsers() })
        .endorse();
      const status = await (await transaction.submit()).getStatus();
      expect(status.code).to.equal(peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
      expect((await trailOfOwner()).records.map((r) => r.recordId)).to.not.include(status.transactionId);
    });
  }

  it('commits the same write endorsed by the new city and the regulator, chosen the same way by hand', async () => {
    const contract = joined.raw.gateway.getNetwork(joined.connection.channel).getContract(joined.connection.chaincode);
    const transaction = await contract
      .newProposal('tender:notariseDocument', {
        arguments: [documentOf('with the new city')],
        endorsingOrganizations: [joined.newCity, REGULATOR],
      })
      .endorse();
    const status = await (await transaction.submit()).getStatus();
    expect(status.code).to.equal(peer.TxValidationCode.VALID);
    const trail = await trailOfOwner();
    expect(trail.records.map((r) => r.recordId)).to.include(status.transactionId);
    expect(checkChain(trail.records).valid).to.equal(true);
  });
});
