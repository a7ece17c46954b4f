import { useNodeCrypto } from '@tender-ledger/tlog/node';
import { TenderContract } from './tender-contract.js';

// A chaincode always runs on Node: OpenSSL's SHA-256 for the Merkle trees (openings, batches).
// The hashes are the same as the pure-JS default's, so endorsements agree either way.
useNodeCrypto();

export { TenderContract };

/** What a Fabric peer (or `fabric-chaincode-node`) loads: the contracts this chaincode offers. */
export const contracts = [TenderContract];
