import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { connect, EndorseError, hash, signers, StatusCode, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { parseLedgerError, type LedgerRecord } from '@tender-ledger/domain';
import { blockHeaderHash, type FabricConnection } from '@tender-ledger/gateway';
import { verifyReceipt, type TenderLedgerClient } from '@tender-ledger/client-sdk';
import { instanceOf, present } from '../helpers/assert.js';
import { FABRIC_CONNECTION, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SECOND } from '../helpers/clock.js';
import { validationCodeName } from '../helpers/fabric-host.js';
import { DEPOSIT, doc, sealedBid } from '../helpers/tender.js';

const NETWORK = path.resolve(__dirname, '../../../network/network.sh');
const RUN = Date.now().toString(36);

function network(...args: string[]): void {
  execFileSync('bash', [NETWORK, ...args], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
}

/** A fabric-gateway connection as one Fabric user, outside our gateway. */
function connectAs(connection: FabricConnection, mspId: string, user: string): { gateway: Gateway; client: grpc.Client } {
  const peerInfo = present(connection.peers[mspId], `the peer of ${mspId} in the connection`);
  const files = present(connection.identities[mspId]?.[user], `${mspId} user ${user} in the connection`);
  const client = new grpc.Client(peerInfo.endpoint, grpc.credentials.createSsl(readFileSync(peerInfo.tlsCACert)), {
    'grpc.ssl_target_name_override': peerInfo.hostAlias,
  });
  const gateway = connect({
    client,
    hash: hash.sha256,
    identity: { mspId, credentials: readFileSync(files.cert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(files.key))),
  });
  return { gateway, client };
}

/** Runs `attempt` until it stops failing (bounded): the gateway must recover without a restart. */
async function eventually<T>(attempt: () => Promise<T>, seconds = 90): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Sleeps until this machine's clock (the peers' clock) is past `instantMs`. */
async function until(instantMs: number): Promise<void> {
  const waitMs = instantMs - Date.now() + 50;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/** Builds a proposal as fabric-gateway would, but stamped `shiftMs` from now (it stamps with `new Date()`). */
function proposalStampedAt(contract: Contract, shiftMs: number, fn: string, args: string[]) {
  const RealDate = Date;
  const shifted = class extends RealDate {
    constructor(...values: unknown[]) {
      if (values.length === 0) super(RealDate.now() + shiftMs);
      else super(...(values as [number]));
    }
  };
  globalThis.Date = shifted as DateConstructor;
  try {
    return contract.newProposal(fn, { arguments: args });
  } finally {
    globalThis.Date = RealDate;
  }
}

async function submitted(contract: Contract, fn: string, ...args: string[]): Promise<LedgerRecord> {
  return JSON.parse(Buffer.from(await contract.submitTransaction(fn, ...args)).toString('utf8')) as LedgerRecord;
}

/** A project whose bid deadline is `leadMs` away, with bidder B1 registered; as the owner's contract. */
async function projectWithBidder(contract: Contract, leadMs: number): Promise<{ projectId: string; deadline: number }> {
  const projectId = `FAB-${RUN}-${Math.random().toString(36).slice(2, 8)}`;
  const deadline = Date.now() + leadMs;
  await submitted(
    contract,
    'registerProject',
    JSON.stringify({
      projectId,
      name: 'Deadline test',
      category: 'construction',
      tenderer: 'Bureau',
      estimatedPrice: 100_000_000,
      depositAmount: DEPOSIT,
      bidDeadline: new Date(deadline).toISOString(),
      openingTime: new Date(deadline + HOUR_MS).toISOString(),
      tenderDocSha256: doc(`tender documents ${projectId}`),
    }),
  );
  await submitted(contract, 'registerBidder', projectId, JSON.stringify({ bidderId: 'B1', deposit: { form: 'cash', amount: DEPOSIT } }));
  return { projectId, deadline };
}
const HOUR_MS = 3_600_000;

async function problemOf(promise: Promise<unknown>): Promise<{ status?: number; code?: string }> {
  try {
    await promise;
    return {};
  } catch (error) {
    return { status: (error as { status?: number }).status, code: (error as { code?: string }).code };
  }
}

describe('on the Fabric network', function () {
  this.timeout(600_000);
  let connection: FabricConnection;

  before(() => {
    if (!existsSync(FABRIC_CONNECTION)) {
      throw new Error(
        `THE FABRIC SUITE CANNOT RUN: ${FABRIC_CONNECTION} is missing; bring the network up first (npm run network:up && npm run network:deploy).`,
      );
    }
    connection = JSON.parse(readFileSync(FABRIC_CONNECTION, 'utf8')) as FabricConnection;
  });

  describe('endorsement', () => {
    it('has every recorded step endorsed by both the trading centre and the regulator', async () => {
      const t = await startTestGateway({}, 'fabric');
      try {
        const platform = await t.client('platform', 'gz-etrading');
        const { record } = await platform.notarise({ sha256: doc(`endorsed ${RUN}`), kind: 'archive' });
        const { gateway, client } = connectAs(connection, 'TradingCentreMSP', 'User5');
        try {
          const qscc = gateway.getNetwork(connection.channel).getContract('qscc');
          const processed = peer.ProcessedTransaction.deserializeBinary(
            await qscc.evaluateTransaction('GetTransactionByID', connection.channel, record.txId),
          );
          expect(processed.getValidationcode()).to.equal(peer.TxValidationCode.VALID);
          const payload = common.Payload.deserializeBinary(
            present(processed.getTransactionenvelope(), 'the transaction envelope').getPayload_asU8(),
          );
          const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
          const action = peer.ChaincodeActionPayload.deserializeBinary(
            present(transaction.getActionsList()[0], "the transaction's action").getPayload_asU8(),
          );
          const endorsers = present(action.getAction(), 'the endorsed action')
            .getEndorsementsList()
            .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid())
            .sort();
          expect(endorsers).to.deep.equal(['RegulatorMSP', 'TradingCentreMSP']);
        } finally {
          gateway.close();
          client.close();
        }
      } finally {
        await t.close();
      }
    });
  });

  describe('trusted time', () => {
    it('refuses a proposal stamped 10 minutes early with CLOCK_SKEW, and accepts one on time', async () => {
      const { gateway, client } = connectAs(connection, 'TradingCentreMSP', 'User1');
      try {
        const contract = gateway.getNetwork(connection.channel).getContract(connection.chaincode);
        const args = { arguments: [JSON.stringify({ sha256: doc(`skewed ${RUN}`), kind: 'archive' })] };
        // fabric-gateway stamps a proposal with `new Date()` when it builds it: build it ten minutes in the past.
        const RealDate = Date;
        const skewed = class extends RealDate {
          constructor(...values: unknown[]) {
            if (values.length === 0) super(RealDate.now() - 10 * 60_000);
            else super(...(values as [number]));
          }
        };
        globalThis.Date = skewed as DateConstructor;
        let proposal;
        try {
          proposal = contract.newProposal('notary:notariseDocument', args);
        } finally {
          globalThis.Date = RealDate;
        }
        let refused: unknown;
        try {
          await proposal.endorse();
        } catch (error) {
          refused = error;
        }
        const endorseError = instanceOf(refused, EndorseError);
        const messages = [endorseError.message, ...endorseError.details.map((d) => d.message)].join(' | ');
        expect(messages).to.include('CLOCK_SKEW');
        const onTime = await contract.newProposal('notary:notariseDocument', args).endorse();
        expect((await (await onTime.submit()).getStatus()).successful).to.equal(true);
      } finally {
        gateway.close();
        client.close();
      }
    });
  });

  describe("deadlines on the peers' clocks", () => {
    let gateway: Gateway;
    let client: grpc.Client;
    let contract: Contract;
    /** Deadline lead: 4 s plus room for the two set-up steps, each as slow as three of a step timed just now. */
    let LEAD: number;

    beforeEach(async () => {
      ({ gateway, client } = connectAs(connection, 'TradingCentreMSP', 'User1'));
      contract = gateway.getNetwork(connection.channel).getContract(connection.chaincode);
      const started = Date.now();
      await submitted(contract, 'notary:notariseDocument', JSON.stringify({ sha256: doc(`timing ${RUN} ${started}`), kind: 'archive' }));
      LEAD = 4 * SECOND + 2 * 3 * (Date.now() - started);
    });
    afterEach(() => {
      gateway.close();
      client.close();
    });

    it("refuses a commitment stamped before the deadline but endorsed after it, on the endorsing peers' own clocks", async () => {
      const { projectId, deadline } = await projectWithBidder(contract, LEAD);
      await until(deadline + 2 * SECOND);
      // Stamped 5 s back, before the deadline: within the CLOCK_SKEW tolerance, so only the peers' clocks catch it.
      const proposal = proposalStampedAt(contract, -5 * SECOND, 'commitBid', [
        projectId,
        JSON.stringify({ bidderId: 'B1', commitment: sealedBid(projectId, 'B1', 1).commitment }),
      ]);
      let refused: unknown;
      try {
        await proposal.endorse();
      } catch (error) {
        refused = error;
      }
      const endorseError = instanceOf(refused, EndorseError);
      const messages = [endorseError.message, ...endorseError.details.map((d) => d.message)].join(' | ');
      expect(parseLedgerError(messages)?.code, messages).to.equal('BID_AFTER_DEADLINE');
      expect(messages).to.include("endorsing peer's clock");
    });

    it('does not commit a commitment endorsed 2 s before the deadline, held back, and sent after bidding was closed', async () => {
      const { projectId, deadline } = await projectWithBidder(contract, LEAD);
      await until(deadline - 2 * SECOND);
      const { commitment } = sealedBid(projectId, 'B1', 90_000_000);
      const held = await contract
        .newProposal('commitBid', { arguments: [projectId, JSON.stringify({ bidderId: 'B1', commitment })] })
        .endorse();
      expect(Date.now(), 'endorsed before the deadline').to.be.below(deadline);
      await until(deadline);
      const closed = await submitted(contract, 'closeBidding', projectId);
      expect(closed.step).to.equal('BiddingClosed');
      const status = await (await held.submit()).getStatus();
      expect(status.successful).to.equal(false);
      expect([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT], validationCodeName(status.code)).to.include(status.code);
      console.log(`      (held proposal ${status.transactionId}: validation code ${validationCodeName(status.code)})`);
      const trail = JSON.parse(Buffer.from(await contract.evaluateTransaction('getTrail', projectId)).toString('utf8')) as {
        records: LedgerRecord[];
      };
      expect(trail.records.map((r) => r.step)).to.deep.equal(['ProjectRegistered', 'BidderRegistered', 'BiddingClosed']);
    });

    it('without the close, commits a commitment endorsed before the deadline and sent after it, stamped before it (what the close is for)', async () => {
      const { projectId, deadline } = await projectWithBidder(contract, LEAD);
      await until(deadline - 2 * SECOND);
      const { commitment } = sealedBid(projectId, 'B1', 90_000_000);
      const held = await contract
        .newProposal('commitBid', { arguments: [projectId, JSON.stringify({ bidderId: 'B1', commitment })] })
        .endorse();
      await until(deadline);
      const status = await (await held.submit()).getStatus();
      expect(status.successful).to.equal(true);
      const record = JSON.parse(Buffer.from(held.getResult()).toString('utf8')) as LedgerRecord;
      expect(Date.parse(record.txTime)).to.be.below(deadline);
    });
  });

  describe('block hashes in receipts', () => {
    it("match the chain: block N+1's header previous_hash is the hash a receipt gives for block N", async () => {
      const t = await startTestGateway({}, 'fabric');
      const { gateway, client } = connectAs(connection, 'TradingCentreMSP', 'User5');
      try {
        const platform = await t.client('platform', 'gz-etrading');
        const { receipt } = await platform.notarise({ sha256: doc(`block hash ${RUN}`), kind: 'archive' });
        const { claims } = await verifyReceipt(receipt, await platform.jwks());
        // Another transaction, so that block N+1 exists.
        await platform.notarise({ sha256: doc(`block hash next ${RUN}`), kind: 'archive' });
        const qscc = gateway.getNetwork(connection.channel).getContract('qscc');
        const block = async (n: number) =>
          present(
            common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', connection.channel, String(n))).getHeader(),
            `block ${n}'s header`,
          );
        const [header, next] = [await block(claims.blockNumber), await block(claims.blockNumber + 1)];
        expect(blockHeaderHash(header)).to.equal(claims.blockHash);
        expect(Buffer.from(next.getPreviousHash_asU8()).toString('hex')).to.equal(claims.blockHash);
      } finally {
        gateway.close();
        client.close();
        await t.close();
      }
    });
  });

  describe('metrics', () => {
    it("time each write's endorse, submit and commit on the network, and give the channel height", async () => {
      const t = await startTestGateway({}, 'fabric');
      try {
        const sample = (page: string, series: string) =>
          Number(
            page
              .split('\n')
              .find((l) => l.startsWith(`${series} `))
              ?.slice(series.length + 1) ?? 0,
          );
        const scrape = async () => (await fetch(`${t.url}/metrics`)).text();
        const before = await scrape();
        const platform = await t.client('platform', 'gz-etrading');
        await platform.notarise({ sha256: doc(`metrics ${RUN}`), kind: 'archive' });
        const after = await scrape();
        for (const phase of ['endorse', 'submit', 'commit']) {
          const series = `tender_fabric_phase_seconds_count{phase="${phase}",outcome="ok"}`;
          expect(sample(after, series) - sample(before, series), phase).to.be.at.least(1);
        }
        expect(sample(after, 'tender_ledger_height{backend="fabric"}')).to.be.greaterThan(0);
      } finally {
        await t.close();
      }
    });
  });

  describe('faults', () => {
    let t: TestGateway;
    let platform: TenderLedgerClient;
    let counter = 0;
    const notarise = () => platform.notarise({ sha256: doc(`fault ${RUN} ${counter++}`), kind: 'archive' });

    beforeEach(async () => {
      t = await startTestGateway({}, 'fabric');
      platform = await t.client('platform', 'gz-etrading');
    });
    afterEach(async () => {
      network('start-node', 'peer-tc');
      network('start-node', 'peer-reg');
      network('start-node', 'orderer');
      await t.close();
    });

    for (const [node, what] of [
      ['peer-reg', "the regulator's peer"],
      ['peer-tc', "the trading centre's peer (the gateway's own)"],
    ] as const) {
      it(`answers 503 LEDGER_UNAVAILABLE while ${what} is down, and recovers without a restart`, async () => {
        await notarise();
        network('stop-node', node);
        expect(await problemOf(notarise())).to.deep.equal({ status: 503, code: 'LEDGER_UNAVAILABLE' });
        network('start-node', node);
        const { record, receipt } = await eventually(notarise);
        expect((await platform.verifyReceiptOnline(receipt)).valid).to.equal(true);
        expect(record.step).to.equal('DocumentNotarised');
      });
    }

    // Endorsed but not ordered: the gateway keeps the signed envelope and sends that same envelope
    // again until the orderer takes it, so the write is pending (202), never refused and never doubled.
    it('keeps a write endorsed while the orderer is down pending (202), commits that same transaction once the orderer is back, and the key answers it once', async function () {
      this.timeout(300_000);
      await notarise();
      network('stop-node', 'orderer');
      const sha256 = doc(`fault ${RUN} orderer down`);
      const token = await t.token('platform', 'gz-etrading');
      const send = () =>
        fetch(`${t.url}/v1/evidence`, {
          method: 'POST',
          body: JSON.stringify({ sha256, kind: 'archive' }),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `orderer-down-${RUN}` },
        });
      const pending = await send();
      expect(pending.status).to.equal(202);
      const { txId } = (await pending.json()) as { txId: string };
      network('start-node', 'orderer');
      const answered = await eventually(async () => {
        const response = await send();
        if (response.status !== 201) throw new Error(`answered ${response.status}`);
        return (await response.json()) as { record: { recordId: string } };
      }, 180);
      expect(answered.record.recordId, 'the transaction endorsed before the outage').to.equal(txId);
      const lookup = (await (await fetch(`${t.url}/v1/verify/${sha256}`)).json()) as { records: { recordId: string }[] };
      expect(lookup.records.map((r) => r.recordId)).to.deep.equal([txId]);
    });
  });
});
