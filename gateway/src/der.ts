// The few DER encodings Fabric's hashes and signatures are made of (ITU-T X.690).

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A non-negative INTEGER: big-endian, no leading zero bytes, but a zero before a high bit (it would read as negative). */
export function derInteger(value: bigint): Buffer {
  const bytes: number[] = [];
  for (let n = value; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  if (bytes.length === 0 || (bytes[0] as number) & 0x80) bytes.unshift(0);
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), Buffer.from(bytes)]);
}

/** An OCTET STRING. */
export function derOctets(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x04]), derLength(bytes.length), Buffer.from(bytes)]);
}

/** A SEQUENCE of already encoded parts. */
export function derSequence(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
