import { useNodeCrypto } from '@tender-ledger/tlog/node';
import { BenchContract } from './bench-contract.js';
import { NotaryContract } from './notary-contract.js';
import { cacheCertificateParsing } from './shim-identity.js';
import { quietDisabledLevels } from './shim-logging.js';
import { TenderContract } from './tender-contract.js';

// A chaincode always runs on Node: OpenSSL's SHA-256 for the Merkle trees (openings, batches).
// The hashes are the same as the pure-JS default's, so endorsements agree either way.
useNodeCrypto();
// Messages below the chaincode's log level are dropped before winston formats them.
quietDisabledLevels();
// Each creator's certificate is parsed once, not for every transaction.
cacheCertificateParsing();

export { BenchContract, NotaryContract, TenderContract };

/**
 * What a Fabric peer (or `fabric-chaincode-node`) loads: the contracts this chaincode offers; the
 * first is the default. The bench's trivial ceiling only where its server is told to offer it.
 */
export const contracts =
  process.env.TENDER_BENCH_CONTRACT === '1' ? [TenderContract, NotaryContract, BenchContract] : [TenderContract, NotaryContract];
