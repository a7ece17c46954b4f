import { createRequire } from 'node:module';
import { expect } from 'chai';
import '@tender-ledger/chaincode';

interface ShimLogger {
  level: string;
  format: unknown;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, ...meta: unknown[]): void;
}
const shimRequire = createRequire(require.resolve('fabric-shim'));
const { getLogger } = shimRequire('./lib/logger') as { getLogger: (name: string) => ShimLogger };
const winston = shimRequire('winston') as { format: (transform: (info: unknown) => unknown) => () => unknown };

// Loading the chaincode quiets the shim's loggers (chaincode/src/shim-logging.ts).
describe("the chaincode's shim logging", () => {
  describe('at level warning', () => {
    it('formats warnings and errors, and never a debug or info message', () => {
      const logger = getLogger('test/shim-logging');
      const level = logger.level;
      const format = logger.format;
      let formatted = 0;
      // Counts what reaches the formatter and prints nothing.
      logger.format = winston.format(() => {
        formatted++;
        return false;
      })();
      try {
        logger.level = 'warn';
        for (let i = 0; i < 10; i++) {
          logger.debug(`debug ${i}`);
          logger.info(`info ${i}`);
        }
        expect(formatted).to.equal(0);
        logger.warn('a warning');
        logger.error('an error', { detail: 1 });
        expect(formatted).to.equal(2);
        logger.level = 'debug';
        logger.debug('now shown');
        expect(formatted).to.equal(3);
      } finally {
        logger.level = level;
        logger.format = format;
      }
    });
  });
});
