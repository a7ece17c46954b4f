import { execFile } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { common, peer, msp } from '@hyperledger/fabric-protos';
import { FabricBackend, type Caller, type FabricConnection } from '@tender-ledger/gateway';
import { FABRIC_CONNECTION } from './backends.js';
import { present } from './assert.js';

/** What the province suite (test/src/province/) shares: the network script, each centre's gateway, the endorsers of a transaction. */

const NETWORK = path.resolve(__dirname, '../../../network/network.sh');
export const ISSUER = 'https://id.province.example';
export const REGULATOR = 'RegulatorMSP';
export const platform: Caller = { role: 'platform', issuer: ISSUER, sub: 'platform' };
export const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** network.sh without blocking the event loop (writers keep writing while a node stops or starts); its output is returned. */
export async function network(args: string[], timeoutMs = 180_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('bash', [NETWORK, ...args], { timeout: timeoutMs });
}

/** The network's client settings as `deploy` (or `add-city`) last wrote them. */
export function readConnection(): FabricConnection {
  return JSON.parse(readFileSync(FABRIC_CONNECTION, 'utf8')) as FabricConnection;
}

/** One centre's gateway: its platform signs as User1 of its organisation, public reads as User2, through its own peer. */
export function centreGateway(connection: FabricConnection, mspId: string): Promise<FabricBackend> {
  return FabricBackend.open({
    connection,
    platformIdentities: { [`${ISSUER}::platform`]: 'User1' },
    platformMspId: mspId,
    regulatorMspId: REGULATOR,
    regulatorIdentity: 'User1',
    publicIdentity: 'User2',
    bidderIdentity: 'User2',
  });
}

/** A raw fabric-gateway connection as `user` of `mspId` through that organisation's peer: to choose the endorsers by hand. */
export function rawGateway(connection: FabricConnection, mspId: string, user: string): { gateway: Gateway; client: grpc.Client } {
  const peerInfo = present(connection.peers[mspId], `the peer of ${mspId} in the connection`);
  const client = new grpc.Client(peerInfo.endpoint, grpc.credentials.createSsl(readFileSync(peerInfo.tlsCACert)), {
    'grpc.ssl_target_name_override': peerInfo.hostAlias,
  });
  const files = present(connection.identities[mspId]?.[user], `${mspId} user ${user} in the connection`);
  const gateway = connect({
    client,
    hash: hash.sha256,
    identity: { mspId, credentials: readFileSync(files.cert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(files.key))),
  });
  return { gateway, client };
}

/** The organisations whose peers endorsed a committed transaction, read from a peer's copy of the block. */
export function endorsersOf(processed: Uint8Array): string[] {
  const envelope = present(peer.ProcessedTransaction.deserializeBinary(processed).getTransactionenvelope(), 'the transaction envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = peer.ChaincodeActionPayload.deserializeBinary(
    present(transaction.getActionsList()[0], "the transaction's action").getPayload_asU8(),
  );
  return present(action.getAction(), 'the endorsed action')
    .getEndorsementsList()
    .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid())
    .sort();
}

/** The organisations that endorsed transaction `txId`, asked of the peer behind `gateway`. */
export async function endorsersOfTx(gateway: Gateway, channel: string, txId: string): Promise<string[]> {
  const qscc = gateway.getNetwork(channel).getContract('qscc');
  return endorsersOf(await qscc.evaluateTransaction('GetTransactionByID', channel, txId));
}
