import { TenderContract } from './tender-contract.js';

export { TenderContract };

/** What a Fabric peer (or `fabric-chaincode-node`) loads: the contracts this chaincode offers. */
export const contracts = [TenderContract];
