// fabric-contract-api and fabric-shim log every call at info level; tests want only warnings.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'warning';
