import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, GatewayError, hash, signers, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import type { Actor } from '@tender-ledger/domain';
import type { LedgerIdentity } from '@tender-ledger/embedded-ledger';
import type { FabricConnection } from '@tender-ledger/gateway';
import { FABRIC_CONNECTION } from './backends.js';
import { realHostClock } from './clock.js';
import type { ContractHost, HostFactory } from './hosts.js';
import { otherCity, platformA, platformB, regulator } from './identities.js';
import { present } from './assert.js';

/**
 * The suite's identities as users of the running network. The network has two organisations,
 * so the "other city" platform is a third TradingCentre user: it owns nothing, which is all the
 * rules it meets ask of it (NOT_PROJECT_OWNER, a standalone document).
 */
const USERS = new Map<LedgerIdentity, { mspId: string; user: string }>([
  [platformA, { mspId: 'TradingCentreMSP', user: 'User1' }],
  [platformB, { mspId: 'TradingCentreMSP', user: 'User2' }],
  [otherCity, { mspId: 'TradingCentreMSP', user: 'User3' }],
  [regulator, { mspId: 'RegulatorMSP', user: 'User1' }],
]);

/** How long recent steps took here (ms): the real clock's leads follow it. Shared by every Fabric host of the run. */
const recentStepMs: number[] = [];
const slowestStepMs = () => (recentStepMs.length === 0 ? 1000 : Math.max(...recentStepMs));
function measured(ms: number): void {
  recentStepMs.push(ms);
  if (recentStepMs.length > 30) recentStepMs.shift();
}

/** Everything a peer said about a failure: the chaincode's `CODE: detail` is in the details. */
function describeFailure(error: unknown): Error {
  if (error instanceof GatewayError) {
    return new Error([error.message, ...error.details.map((d) => `${d.mspId}: ${d.message}`)].join(' | '), { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** MVCC_READ_CONFLICT and the like, from a commit status's number. */
export function validationCodeName(code: number): string {
  return Object.entries(peer.TxValidationCode).find(([, value]) => value === code)?.[0] ?? String(code);
}

/** The chaincode event a prepared transaction carries (the one the peers endorsed). */
function eventOf(preparedTransaction: Uint8Array): { name: string; payload: string } | undefined {
  const envelope = present(
    gatewayProtos.PreparedTransaction.deserializeBinary(preparedTransaction).getEnvelope(),
    "the prepared transaction's envelope",
  );
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = peer.ChaincodeActionPayload.deserializeBinary(
    present(transaction.getActionsList()[0], "the transaction's action").getPayload_asU8(),
  );
  const response = peer.ProposalResponsePayload.deserializeBinary(
    present(action.getAction(), 'the endorsed action').getProposalResponsePayload_asU8(),
  );
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
  const event = peer.ChaincodeEvent.deserializeBinary(chaincodeAction.getEvents_asU8());
  return event.getEventName() ? { name: event.getEventName(), payload: Buffer.from(event.getPayload_asU8()).toString('utf8') } : undefined;
}

/** The contract on the running Fabric network (`network/network.sh up && deploy`), over fabric-gateway. */
export const fabricHost: HostFactory = {
  name: 'the Fabric network',
  async create() {
    if (!existsSync(FABRIC_CONNECTION)) {
      throw new Error(
        `THE FABRIC SUITE CANNOT RUN: ${FABRIC_CONNECTION} is missing. Run "npm run network:up && npm run network:deploy" first.`,
      );
    }
    const connection = JSON.parse(readFileSync(FABRIC_CONNECTION, 'utf8')) as FabricConnection;
    const clients = new Map<string, grpc.Client>();
    const gateways: Gateway[] = [];
    const contracts = new Map<LedgerIdentity, Contract>();
    for (const [identity, { mspId, user }] of USERS) {
      const peerInfo = present(connection.peers[mspId], `the peer of ${mspId} in the connection`);
      let client = clients.get(mspId);
      if (!client) {
        client = new grpc.Client(peerInfo.endpoint, grpc.credentials.createSsl(readFileSync(peerInfo.tlsCACert)), {
          'grpc.ssl_target_name_override': peerInfo.hostAlias,
        });
        clients.set(mspId, client);
      }
      const files = present(connection.identities[mspId]?.[user], `${mspId} user ${user} in the connection`);
      const gateway = connect({
        client,
        hash: hash.sha256,
        identity: { mspId, credentials: readFileSync(files.cert) },
        signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(files.key))),
      });
      gateways.push(gateway);
      contracts.set(identity, gateway.getNetwork(connection.channel).getContract(connection.chaincode));
    }
    const contractOf = (identity: LedgerIdentity): Contract => {
      const contract = contracts.get(identity);
      if (!contract) throw new Error(`identity ${identity.id} has no Fabric user in the Fabric host`);
      return contract;
    };
    // One reader per organisation's peer (evaluations go to the caller's own organisation's peer).
    const peerReaders = [platformA, regulator].map((identity) =>
      present(gateways[[...USERS.keys()].indexOf(identity)], `the gateway of ${identity.id}`)
        .getNetwork(connection.channel)
        .getContract('qscc'),
    );
    /**
     * A commit status comes from one peer; the other organisation's peer may not have the block
     * yet, and would endorse the next step against older state. Wait until every peer has it.
     */
    const untilEveryPeerHas = async (blockNumber: bigint): Promise<void> => {
      for (const qscc of peerReaders) {
        for (let tries = 0; ; tries++) {
          const info = common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', connection.channel));
          if (BigInt(info.getHeight()) > blockNumber || tries > 600) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const actors = new Map<LedgerIdentity, Actor>();
    const events: ContractHost['events'] = [];
    return {
      clock: realHostClock(slowestStepMs),
      events,
      async submit(identity, fn, ...args) {
        const started = Date.now();
        let transaction;
        try {
          transaction = await contractOf(identity).newProposal(fn, { arguments: args }).endorse();
        } catch (error) {
          throw describeFailure(error);
        }
        const status = await (await transaction.submit()).getStatus();
        await untilEveryPeerHas(status.blockNumber);
        measured(Date.now() - started);
        if (!status.successful) {
          throw new Error(`transaction ${status.transactionId} was not committed: validation code ${validationCodeName(status.code)}`);
        }
        const event = eventOf(transaction.getBytes());
        if (event) events.push({ ...event, txId: status.transactionId });
        return Buffer.from(transaction.getResult()).toString('utf8');
      },
      async evaluate(identity, fn, ...args) {
        try {
          return Buffer.from(await contractOf(identity).evaluateTransaction(fn, ...args)).toString('utf8');
        } catch (error) {
          throw describeFailure(error);
        }
      },
      async actorOf(identity) {
        let actor = actors.get(identity);
        if (!actor) {
          actor = JSON.parse(Buffer.from(await contractOf(identity).evaluateTransaction('whoAmI')).toString('utf8')) as Actor;
          actors.set(identity, actor);
        }
        return actor;
      },
      async close() {
        for (const gateway of gateways) gateway.close();
        for (const client of clients.values()) client.close();
      },
    };
  },
};
