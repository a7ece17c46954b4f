// Reading Fabric's blocks: the header hash a receipt names, and the records a block committed.
import { createHash } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { leafDataOf } from '@tender-ledger/embedded-ledger';
import { derInteger, derOctets, derSequence } from './der.js';

/**
 * Fabric's block hash: SHA-256 of the DER of SEQUENCE { INTEGER number, OCTET STRING
 * previousHash, OCTET STRING dataHash }. Pinned against the real chain by the Fabric suite
 * (block N+1's previous_hash is the hash computed for block N).
 */
export function blockHeaderHash(header: common.BlockHeader): string {
  const der = derSequence([
    derInteger(BigInt(header.getNumber())),
    derOctets(header.getPreviousHash_asU8()),
    derOctets(header.getDataHash_asU8()),
  ]);
  return createHash('sha256').update(der).digest('hex');
}

const VALID = 0; // peer.TxValidationCode.VALID

/** A block's transaction envelope, opened: its payload and the channel header that names the transaction. */
export function openEnvelope(envelopeBytes: Uint8Array): { payload: common.Payload; channelHeader: common.ChannelHeader } {
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(0));
  return { payload, channelHeader };
}

/** The leaves of one committed block: valid endorser transactions' records, in order. */
export function fabricBlockLeaves(block: common.Block): { txId: string; data: Uint8Array }[] {
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array(0);
  const leaves: { txId: string; data: Uint8Array }[] = [];
  block
    .getData()
    ?.getDataList_asU8()
    .forEach((envelopeBytes, i) => {
      // A transaction the peer marked invalid (MVCC conflict, endorsement policy, duplicate id) wrote nothing.
      if (filter[i] !== VALID) return;
      const { payload, channelHeader } = openEnvelope(envelopeBytes);
      if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
      const txId = channelHeader.getTxId();
      for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
        const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
        if (!endorsed) continue;
        const extension = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8()).getExtension_asU8();
        const eventBytes = peer.ChaincodeAction.deserializeBinary(extension).getEvents_asU8();
        if (eventBytes.length === 0) continue;
        const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
        const data = leafDataOf({
          txId,
          event: { name: event.getEventName(), payload: Buffer.from(event.getPayload_asU8()).toString('utf8') },
        });
        if (data !== undefined) leaves.push({ txId, data });
      }
    });
  return leaves;
}
