// fabric-contract-api and fabric-shim log every call at info level; tests expect many refusals, which the shim logs as errors: keep only critical ones.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'critical';
