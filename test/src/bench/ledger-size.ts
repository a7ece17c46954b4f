/**
 * How many bytes a transaction costs a peer's block store: reads every block of the channel from
 * one organisation's peer (qscc, over the running network's connection file) and sums the sizes of
 * the blocks that hold transactions, apart from configuration blocks; blocks of the contract's
 * transactions alone (not the lifecycle's) are also counted apart.
 * `node test/dist/bench/ledger-size.js [mspId]` (default TradingCentreMSP); prints JSON.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import type { FabricConnection } from '@tender-ledger/gateway';
import { must } from '@tender-ledger/domain';
import { FABRIC_CONNECTION } from '../helpers/backends.js';

async function main(): Promise<void> {
  const mspId = process.argv[2] ?? 'TradingCentreMSP';
  const connection = JSON.parse(readFileSync(FABRIC_CONNECTION, 'utf8')) as FabricConnection;
  const peerInfo = connection.peers[mspId];
  const files = connection.identities[mspId]?.User1;
  if (!peerInfo || !files) throw new Error(`no peer or User1 of ${mspId} in ${FABRIC_CONNECTION}`);
  const client = new grpc.Client(peerInfo.endpoint, grpc.credentials.createSsl(readFileSync(peerInfo.tlsCACert)), {
    'grpc.ssl_target_name_override': peerInfo.hostAlias,
  });
  const gateway = connect({
    client,
    hash: hash.sha256,
    identity: { mspId, credentials: readFileSync(files.cert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(files.key))),
  });
  try {
    const qscc = gateway.getNetwork(connection.channel).getContract('qscc');
    const info = common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', connection.channel));
    const height = info.getHeight();
    let configBlocks = 0,
      configBytes = 0,
      txBlocks = 0,
      txBytes = 0,
      transactions = 0;
    let contractBlocks = 0,
      contractBytes = 0,
      contractTransactions = 0;
    for (let number = 0; number < height; number++) {
      const bytes = await qscc.evaluateTransaction('GetBlockByNumber', connection.channel, String(number));
      const block = common.Block.deserializeBinary(bytes);
      const envelopes = must(block.getData(), `block ${number}'s data`).getDataList();
      const first = common.Envelope.deserializeBinary(must(envelopes[0], `block ${number}'s first envelope`) as Uint8Array);
      const channelHeader = common.ChannelHeader.deserializeBinary(
        must(common.Payload.deserializeBinary(first.getPayload_asU8()).getHeader(), 'a payload header').getChannelHeader_asU8(),
      );
      if (channelHeader.getType() === common.HeaderType.CONFIG) {
        configBlocks++;
        configBytes += bytes.length;
      } else {
        txBlocks++;
        txBytes += bytes.length;
        transactions += envelopes.length;
        const chaincodes = envelopes.map((envelope) => {
          const header = must(
            common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope as Uint8Array).getPayload_asU8()).getHeader(),
            'a payload header',
          );
          const extension = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getExtension_asU8();
          return peer.ChaincodeHeaderExtension.deserializeBinary(extension).getChaincodeId()?.getName();
        });
        if (chaincodes.every((name) => name === connection.chaincode)) {
          contractBlocks++;
          contractBytes += bytes.length;
          contractTransactions += envelopes.length;
        }
      }
    }
    console.log(
      JSON.stringify({
        peer: mspId,
        height,
        configBlocks,
        configBytes,
        txBlocks,
        transactions,
        txBytes,
        bytesPerTransaction: transactions === 0 ? null : Math.round(txBytes / transactions),
        contractBlocks,
        contractTransactions,
        contractBytes,
        bytesPerContractTransaction: contractTransactions === 0 ? null : Math.round(contractBytes / contractTransactions),
      }),
    );
  } finally {
    gateway.close();
    client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
