import { createRequire } from 'node:module';

interface WinstonLogger {
  isLevelEnabled(level: string): boolean;
  write: (this: WinstonLogger, info: unknown, ...rest: unknown[]) => boolean;
}

const LEVEL = Symbol.for('level');
const quieted = Symbol.for('tender-ledger.quietDisabledLevels');

/**
 * fabric-shim and fabric-contract-api log through winston, which runs each message through its
 * formatters (timestamp, colours, padding, JSON of the arguments) before the transport drops it
 * by level: the shim's per-transaction debug messages cost 10–12% of the chaincode server's time
 * with debug off. This drops a message of a disabled level when it is written, before any
 * formatting, in the winston the shim and the contract API load. Returns whether it did.
 */
export function quietDisabledLevels(): boolean {
  let Logger: { prototype: WinstonLogger } | undefined;
  try {
    // The winston the shim resolves, wherever the package manager put it.
    Logger = (createRequire(require.resolve('fabric-shim'))('winston') as { Logger?: { prototype: WinstonLogger } }).Logger;
  } catch {
    return false;
  }
  if (!Logger) return false;
  const prototype = Logger.prototype as WinstonLogger & { [quieted]?: true };
  if (prototype[quieted]) return true;
  const write = prototype.write;
  prototype.write = function (this: WinstonLogger, info: unknown, ...rest: unknown[]): boolean {
    const level = typeof info === 'object' && info !== null ? (info as Record<symbol, unknown>)[LEVEL] : undefined;
    if (typeof level === 'string' && !this.isLevelEnabled(level)) return true;
    return write.call(this, info, ...rest);
  };
  prototype[quieted] = true;
  return true;
}
