import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { peer } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { checkChain, type LedgerRecord } from '@tender-ledger/domain';
import type { FabricBackend, FabricConnection } from '@tender-ledger/gateway';
import { errorMessage } from '../helpers/assert.js';
import { FABRIC_CONNECTION } from '../helpers/backends.js';
import { centreGateway, endorsersOfTx, ISSUER, platform, rawGateway, readConnection, REGULATOR, sha } from '../helpers/province.js';

/**
 * The province network (`CITIES=N network/network.sh up && deploy`, N ≥ 2): each centre's
 * gateway signs through its own organisation's peer; a project's keys carry the key-level
 * policy "the registering centre AND the regulator" (chaincode/src/endorsement.ts).
 */
const CITY_A = 'TradingCentreMSP';
const CITY_B = 'City2MSP';
const PROVINCE = 'ProvinceMSP';

function loadConnection(): FabricConnection {
  if (!existsSync(FABRIC_CONNECTION)) {
    throw new Error(
      `THE PROVINCE SUITE CANNOT RUN: ${FABRIC_CONNECTION} is missing. Run "CITIES=2 npm run network:up && npm run network:deploy" first.`,
    );
  }
  const connection = readConnection();
  const missing = [CITY_A, CITY_B, PROVINCE, REGULATOR].filter((mspId) => !connection.peers[mspId]);
  if (missing.length > 0) {
    throw new Error(`THE PROVINCE SUITE CANNOT RUN: the network has no ${missing.join(', ')}; it needs CITIES=2 or more`);
  }
  return connection;
}

describe('The province network', function () {
  this.timeout(300_000);
  let connection: FabricConnection;
  let cityA: FabricBackend;
  let cityB: FabricBackend;
  let province: FabricBackend;
  let raw: ReturnType<typeof rawGateway>;
  const projectId = `PROV-${randomUUID().slice(0, 8)}`;
  const tenderDocSha256 = sha(`tender documents of ${projectId}`);
  let registered: { txId: string; blockNumber: number; blockHash: string };

  before(async () => {
    connection = loadConnection();
    [cityA, cityB, province] = await Promise.all([
      centreGateway(connection, CITY_A),
      centreGateway(connection, CITY_B),
      centreGateway(connection, PROVINCE),
    ]);
    raw = rawGateway(connection, CITY_A, 'User1');
    const now = Date.now();
    registered = await cityA.submit(
      platform,
      'tender:registerProject',
      [
        JSON.stringify({
          projectId,
          name: '省网测试工程',
          category: 'construction',
          estimatedPrice: 100_000_000,
          depositAmount: 2_000_000,
          bidDeadline: new Date(now + 3_600_000).toISOString(),
          openingTime: new Date(now + 7_200_000).toISOString(),
          tenderDocSha256,
        }),
      ],
      projectId,
    );
  });
  after(async () => {
    raw?.gateway.close();
    raw?.client.close();
    await Promise.all([cityA, cityB, province].filter((b) => b !== undefined).map((b) => b.close()));
  });

  const contract = () => raw.gateway.getNetwork(connection.channel).getContract(connection.chaincode);
  const documentOf = (label: string) => JSON.stringify({ projectId, sha256: sha(`${label} ${randomUUID()}`), kind: 'clarification' });
  const trailSeenByA = async () =>
    JSON.parse(await cityA.evaluate({ kind: 'caller', caller: platform }, 'tender:getTrail', [projectId])) as {
      records: LedgerRecord[];
      chainValid: boolean;
    };

  describe("a tender of city A recorded through A's gateway", () => {
    it("was endorsed by A's peer and the regulator's, and by no other centre", async () => {
      expect(await endorsersOfTx(raw.gateway, connection.channel, registered.txId)).to.deep.equal([REGULATOR, CITY_A].sort());
    });

    it("is found, in the same block, through city B's gateway and the province centre's", async () => {
      for (const other of [cityB, province]) {
        expect(await other.transaction(registered.txId)).to.deep.equal({
          blockNumber: registered.blockNumber,
          blockHash: registered.blockHash,
        });
        const found = JSON.parse(await other.evaluate({ kind: 'public' }, 'tender:findByHash', [tenderDocSha256])) as {
          records: { recordId: string; projectId: string }[];
        };
        expect(found.records.map((r) => [r.recordId, r.projectId])).to.deep.equal([[registered.txId, projectId]]);
        const trail = JSON.parse(await other.evaluate({ kind: 'public' }, 'tender:getTrail', [projectId])) as { chainValid: boolean };
        expect(trail.chainValid).to.equal(true);
      }
    });

    it("reads whole, and checks, through the regulator's peer", async () => {
      const trail = JSON.parse(
        await cityB.evaluate({ kind: 'caller', caller: { role: 'regulator', issuer: ISSUER, sub: 'regulator' } }, 'tender:getTrail', [
          projectId,
        ]),
      ) as { records: LedgerRecord[] };
      expect(trail.records.map((r) => r.recordId)).to.deep.equal([registered.txId]);
      expect(checkChain(trail.records).valid).to.equal(true);
    });
  });

  describe("a write for A's project", () => {
    it("by city B's platform is refused by the contract (NOT_PROJECT_OWNER)", async () => {
      const refused = await cityB
        .submit(platform, 'tender:notariseDocument', [documentOf('B writes')], projectId)
        .then(() => 'committed', errorMessage);
      expect(refused).to.contain('NOT_PROJECT_OWNER');
    });

    for (const [without, endorsers] of [
      ['A', [CITY_B, REGULATOR]],
      ['the regulator', [CITY_A, CITY_B]],
    ] as const) {
      it(`endorsed without ${without} (by ${endorsers.join(' and ')}) is refused at validation with ENDORSEMENT_POLICY_FAILURE`, async () => {
        const transaction = await contract()
          .newProposal('tender:notariseDocument', { arguments: [documentOf(`without ${without}`)], endorsingOrganizations: [...endorsers] })
          .endorse();
        const status = await (await transaction.submit()).getStatus();
        expect(status.code).to.equal(peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
        expect(status.successful).to.equal(false);
        const trail = await trailSeenByA();
        expect(trail.records.map((r) => r.recordId)).to.not.include(status.transactionId);
      });
    }

    it('endorsed by A and the regulator, chosen the same way by hand, commits', async () => {
      const transaction = await contract()
        .newProposal('tender:notariseDocument', { arguments: [documentOf('with A')], endorsingOrganizations: [CITY_A, REGULATOR] })
        .endorse();
      const status = await (await transaction.submit()).getStatus();
      expect(status.code).to.equal(peer.TxValidationCode.VALID);
      const trail = await trailSeenByA();
      expect(trail.records.map((r) => r.recordId)).to.include(status.transactionId);
      expect(trail.chainValid).to.equal(true);
    });

    it("by the regulator through the regulator's peer (closing bidding) is endorsed by A too, the key-level policy found by the peer's gateway", async () => {
      const closing = `${projectId}-C`;
      const deadline = Date.now() + 5_000;
      await cityA.submit(
        platform,
        'tender:registerProject',
        [
          JSON.stringify({
            projectId: closing,
            name: '截标测试',
            category: 'construction',
            estimatedPrice: 100_000_000,
            depositAmount: 2_000_000,
            bidDeadline: new Date(deadline).toISOString(),
            openingTime: new Date(deadline + 3_600_000).toISOString(),
            tenderDocSha256: sha(closing),
          }),
        ],
        closing,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now() + 1_000)));
      const regulatorGateway = rawGateway(connection, REGULATOR, 'User1');
      try {
        const network = regulatorGateway.gateway.getNetwork(connection.channel);
        const transaction = await network
          .getContract(connection.chaincode)
          .newProposal('tender:closeBidding', { arguments: [closing] })
          .endorse();
        const status = await (await transaction.submit()).getStatus();
        expect(status.code).to.equal(peer.TxValidationCode.VALID);
        expect(await endorsersOfTx(regulatorGateway.gateway, connection.channel, status.transactionId)).to.deep.equal(
          [REGULATOR, CITY_A].sort(),
        );
      } finally {
        regulatorGateway.gateway.close();
        regulatorGateway.client.close();
      }
    });

    it("by A's platform through A's gateway commits, its endorsers found by the gateway", async () => {
      const committed = await cityA.submit(platform, 'tender:notariseDocument', [documentOf('through the gateway')], projectId);
      const trail = await trailSeenByA();
      expect(trail.records.map((r) => r.recordId)).to.include(committed.txId);
      expect(checkChain(trail.records).valid).to.equal(true);
    });
  });
});
