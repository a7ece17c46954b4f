// fabric-contract-api logs every decorator at info level when the contract loads; hosted
// in-process that is noise on the host's console. A deployment can still set its own level.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'warning';
