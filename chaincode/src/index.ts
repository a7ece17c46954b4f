import { NotaryContract } from './notary-contract.js';
import { TenderContract } from './tender-contract.js';

export { NotaryContract, TenderContract };

/** What a Fabric peer (or `fabric-chaincode-node`) loads: the contracts this chaincode offers; the first is the default. */
export const contracts = [TenderContract, NotaryContract];
