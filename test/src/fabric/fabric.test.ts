import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { connect, EndorseError, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import type { FabricConnection } from '@tender-ledger/gateway';
import type { TenderLedgerClient } from '@tender-ledger/client-sdk';
import { FABRIC_CONNECTION, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { doc } from '../helpers/tender.js';

const NETWORK = path.resolve(__dirname, '../../../network/network.sh');
const RUN = Date.now().toString(36);

function network(...args: string[]): void {
  execFileSync('bash', [NETWORK, ...args], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
}

/** A fabric-gateway connection as one Fabric user, outside our gateway. */
function connectAs(connection: FabricConnection, mspId: string, user: string): { gateway: Gateway; client: grpc.Client } {
  const peerInfo = connection.peers[mspId]!;
  const files = connection.identities[mspId]![user]!;
  const client = new grpc.Client(peerInfo.endpoint, grpc.credentials.createSsl(readFileSync(peerInfo.tlsCACert)), { 'grpc.ssl_target_name_override': peerInfo.hostAlias });
  const gateway = connect({
    client, hash: hash.sha256,
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
      throw new Error(`THE FABRIC SUITE CANNOT RUN: ${FABRIC_CONNECTION} is missing; bring the network up first (npm run network:up && npm run network:deploy).`);
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
          const processed = peer.ProcessedTransaction.deserializeBinary(await qscc.evaluateTransaction('GetTransactionByID', connection.channel, record.txId));
          expect(processed.getValidationcode()).to.equal(peer.TxValidationCode.VALID);
          const payload = common.Payload.deserializeBinary(processed.getTransactionenvelope()!.getPayload_asU8());
          const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
          const action = peer.ChaincodeActionPayload.deserializeBinary(transaction.getActionsList()[0]!.getPayload_asU8());
          const endorsers = action.getAction()!.getEndorsementsList()
            .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid()).sort();
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
        expect(refused).to.be.instanceOf(EndorseError);
        const messages = [(refused as EndorseError).message, ...(refused as EndorseError).details.map((d) => d.message)].join(' | ');
        expect(messages).to.include('CLOCK_SKEW');
        const onTime = await contract.newProposal('notary:notariseDocument', args).endorse();
        expect((await (await onTime.submit()).getStatus()).successful).to.equal(true);
      } finally {
        gateway.close();
        client.close();
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

    for (const [node, what] of [['peer-reg', 'the regulator\'s peer'], ['peer-tc', 'the trading centre\'s peer (the gateway\'s own)'], ['orderer', 'the orderer']] as const) {
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
  });
});
