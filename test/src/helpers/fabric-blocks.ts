import { common, peer } from '@hyperledger/fabric-protos';

/**
 * Fabric blocks as a peer delivers them, built with fabric-protos from the embedded ledger's own
 * committed transactions (their chaincode events are the records): the Fabric log code runs over
 * the same protobuf structures as on a network; test/src/fabric/tlog.test.ts runs it on one.
 * A transaction's `code` is its validation code (default 0 VALID, or 11 MVCC_READ_CONFLICT when
 * `valid` is false).
 */
export function fabricBlock(
  number: number,
  txs: { txId: string; event?: { name: string; payload: string }; valid?: boolean; code?: number; type?: number }[],
): common.Block {
  const envelopes = txs.map((tx) => {
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(tx.type ?? common.HeaderType.ENDORSER_TRANSACTION);
    channelHeader.setTxId(tx.txId);
    channelHeader.setChannelId('tender');
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    const action = new peer.ChaincodeAction();
    if (tx.event) {
      const event = new peer.ChaincodeEvent();
      event.setChaincodeId('tender');
      event.setTxId(tx.txId);
      event.setEventName(tx.event.name);
      event.setPayload(Buffer.from(tx.event.payload));
      action.setEvents(event.serializeBinary());
    }
    const responsePayload = new peer.ProposalResponsePayload();
    responsePayload.setExtension$(action.serializeBinary());
    const endorsed = new peer.ChaincodeEndorsedAction();
    endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
    const actionPayload = new peer.ChaincodeActionPayload();
    actionPayload.setAction(endorsed);
    const transactionAction = new peer.TransactionAction();
    transactionAction.setPayload(actionPayload.serializeBinary());
    const transaction = new peer.Transaction();
    transaction.setActionsList([transactionAction]);
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(transaction.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    return envelope.serializeBinary();
  });
  const block = new common.Block();
  const blockHeader = new common.BlockHeader();
  blockHeader.setNumber(number);
  block.setHeader(blockHeader);
  const data = new common.BlockData();
  data.setDataList(envelopes);
  block.setData(data);
  const metadata = new common.BlockMetadata();
  // TRANSACTIONS_FILTER: one validation code per transaction (0 VALID, 11 MVCC_READ_CONFLICT).
  metadata.setMetadataList([new Uint8Array(0), new Uint8Array(0), Uint8Array.from(txs.map((t) => t.code ?? (t.valid === false ? 11 : 0)))]);
  block.setMetadata(metadata);
  return block;
}
