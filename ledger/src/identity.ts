/**
 * Who submits a transaction to the embedded ledger: what a Fabric peer would read from the
 * creator's certificate (MSP id, the x509 subject/issuer id, and certificate attributes).
 */
export interface LedgerIdentity {
  mspId: string;
  /** Unique within the MSP, like Fabric's `x509::{subject}::{issuer}`. */
  id: string;
  attributes?: Readonly<Record<string, string>>;
  /** PEM certificate; needed only when transactions go through fabric-shim's dispatcher. */
  certificate?: string;
}

/** The `ctx.clientIdentity` the contract sees, with the methods of fabric-shim's ClientIdentity. */
export class EmbeddedClientIdentity {
  readonly #identity: LedgerIdentity;

  constructor(identity: LedgerIdentity) {
    this.#identity = identity;
  }

  getID(): string {
    return this.#identity.id;
  }

  getMSPID(): string {
    return this.#identity.mspId;
  }

  getIDBytes(): Uint8Array {
    return Buffer.from(this.#identity.id);
  }

  getAttributeValue(name: string): string | null {
    return this.#identity.attributes?.[name] ?? null;
  }

  assertAttributeValue(name: string, value: string): boolean {
    return this.getAttributeValue(name) === value;
  }
}
