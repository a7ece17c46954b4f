import { loadConfig, startGateway, type RunningGateway } from '@tender-ledger/gateway';
import { TenderLedgerClient, mintDevToken, type Role } from '@tender-ledger/client-sdk';
import { ManualClock } from './clock.js';
import { tempDir } from './temp.js';

/** A real gateway on a free port over a fresh embedded ledger, with a clock tests move. */
export interface TestGateway {
  gateway: RunningGateway;
  url: string;
  dataDir: string;
  clock: ManualClock;
  token(role: Role, sub: string, ttlSeconds?: number): Promise<string>;
  client(role?: Role, sub?: string): Promise<TenderLedgerClient>;
  close(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const temp = tempDir('tender-gateway-');
  const clock = new ManualClock();
  const config = loadConfig({ DATA_DIR: temp.dir, PORT: '0', ...env });
  const gateway = await startGateway(config, { clock: clock.now });
  const token = (role: Role, sub: string, ttlSeconds?: number) => mintDevToken(temp.dir, { role, sub, ...(ttlSeconds ? { ttlSeconds } : {}) });
  return {
    gateway,
    url: gateway.url,
    dataDir: temp.dir,
    clock,
    token,
    async client(role?: Role, sub?: string) {
      return new TenderLedgerClient({ baseUrl: gateway.url, retries: 0, ...(role && sub ? { token: await token(role, sub) } : {}) });
    },
    async close() {
      await gateway.close();
      temp.remove();
    },
  };
}
