import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import {
  Es256PrivateJwkSchema,
  RECEIPT_TYPE,
  must,
  parseChecked,
  receiptClaims,
  type CommitInfo,
  type LedgerRecord,
} from '@tender-ledger/domain';

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/**
 * Signs receipts with the gateway's ES256 key. Keys live in `${dataDir}/keys/receipts` (0600),
 * created on first start; rotation adds a key and makes it current, and every key stays in the
 * JWKS so receipts signed before a rotation still verify.
 */
export class ReceiptSigner {
  readonly #dir: string;
  readonly #issuer: string;
  #jwks: JSONWebKeySet = { keys: [] };
  #current: { kid: string; key: SigningKey } | undefined;

  private constructor(dir: string, issuer: string) {
    this.#dir = dir;
    this.#issuer = issuer;
  }

  static async open(dataDir: string, issuer: string): Promise<ReceiptSigner> {
    const signer = new ReceiptSigner(path.join(dataDir, 'keys', 'receipts'), issuer);
    await signer.#load();
    return signer;
  }

  get currentKid(): string {
    return this.#current?.kid ?? '';
  }

  /** Adds a new signing key and makes it current. Returns its kid. */
  async rotate(): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(this.#dir, `${kid}.private.jwk.json`), JSON.stringify({ ...jwk, kid, alg: 'ES256', use: 'sig' }), {
      mode: 0o600,
      flag: 'wx',
    });
    await writeFile(path.join(this.#dir, 'current'), kid, { mode: 0o600 });
    await this.#load();
    return kid;
  }

  /**
   * Reads the keys from disk again (after `npm run keys:rotate` in another process): the JWKS and
   * the signing key change together, so the gateway never publishes a current key it does not
   * sign with. A failed read leaves the keys as they were.
   */
  async reload(): Promise<void> {
    await this.#load();
  }

  /** Every receipt key, public parts only (the same object until the next rotation). */
  jwks(): JSONWebKeySet {
    return this.#jwks;
  }

  async sign(record: LedgerRecord, commit: CommitInfo): Promise<string> {
    const current = this.#current;
    if (!current) throw new Error('no receipt signing key');
    const claims = receiptClaims(record, commit, this.#issuer, Math.floor(Date.now() / 1000));
    return new CompactSign(Buffer.from(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: RECEIPT_TYPE })
      .sign(current.key);
  }

  async #load(): Promise<void> {
    let files: string[] = [];
    try {
      files = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const keys = new Map<string, JWK>();
    for (const file of files.filter((f) => f.endsWith('.private.jwk.json')).sort()) {
      const jwk: JWK = parseChecked(Es256PrivateJwkSchema, await readFile(path.join(this.#dir, file), 'utf8'), path.join(this.#dir, file));
      keys.set(jwk.kid as string, jwk);
    }
    if (keys.size === 0) {
      await this.rotate();
      return;
    }
    const currentKid = (await readFile(path.join(this.#dir, 'current'), 'utf8').catch(() => '')).trim();
    // keys.size > 0 here, so the last key exists.
    const jwk = keys.get(currentKid) ?? must([...keys.values()].at(-1), 'the newest receipt key');
    this.#jwks = { keys: [...keys.values()].map(({ d: _private, ...publicJwk }) => publicJwk) };
    this.#current = { kid: jwk.kid as string, key: await importJWK(jwk, 'ES256') };
  }
}
