#!/usr/bin/env node
import { loadConfig } from '../config.js';
import { ReceiptSigner } from '../receipts.js';

// `npm run keys:rotate`: a new receipt signing key becomes current; old keys stay published,
// so every receipt signed before still verifies. Restart the gateway to sign with the new key.
async function main(): Promise<void> {
  const config = loadConfig();
  const signer = await ReceiptSigner.open(config.dataDir, config.receiptIssuer);
  const previous = signer.currentKid;
  const kid = await signer.rotate();
  console.log(`receipt signing key rotated: ${previous} -> ${kid} (${signer.jwks().keys.length} keys published)`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
