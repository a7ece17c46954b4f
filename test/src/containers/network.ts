import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { CONNECTION_FILE, REPO, RUNTIME } from './env.js';
import { FABRIC_PLATFORMS } from '../helpers/gateway.js';
import { createTestIssuer, type TestIssuer } from '../helpers/issuer.js';

const run = promisify(execFile);

/** Beside the host-process network (ports +1000, its own runtime directory): both can run at once. */
export const PORT_OFFSET = Number(process.env.NET_PORT_OFFSET ?? '1000');
const IMAGE_TAG = process.env.TENDER_IMAGE_TAG ?? 'local';
/** The images run as this user (containers/*\/Dockerfile): mounted state must be theirs. */
const IMAGE_UID = 10001;

export type Node = 'orderer' | 'peer-tc' | 'peer-reg' | 'cc-tc' | 'cc-reg' | 'gateway';
const NAME_PREFIX = 'tender-ct-';

const netEnv = { ...process.env, NET_PORT_OFFSET: String(PORT_OFFSET), NET_RUNTIME: RUNTIME, NET_EXTERNAL_NODES: '1', NET_READY_TIMEOUT: '180' };

async function network(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [path.join(REPO, 'network/network.sh'), ...args], { env: netEnv, maxBuffer: 16 << 20 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`network.sh ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** Values of network/env.sh with this suite's offset and runtime. */
async function envValues(...names: string[]): Promise<Record<string, string>> {
  const { stdout } = await run('bash', ['-c', `source "${REPO}/network/env.sh"; for n in ${names.join(' ')}; do printf '%s=%s\\n' "$n" "\${!n}"; done`], { env: netEnv });
  return Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 << 20 });
  return stdout.trim();
}

function chownTree(dir: string): void {
  if (process.getuid?.() !== 0) return;
  chownSync(dir, IMAGE_UID, IMAGE_UID);
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) chownTree(p); else chownSync(p, IMAGE_UID, IMAGE_UID);
  }
}

function ownedDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chownTree(dir);
  return dir;
}

const log = (message: string) => { console.log(`      [containers] ${message}`); };

/**
 * The two-organisation network and the gateway as containers (host networking, 127.0.0.1,
 * ports of network/env.sh + {@link PORT_OFFSET}). Crypto material and the channel's genesis
 * block come from network.sh on the host and are mounted read-only; each node's ledger is a
 * mounted directory of its own, so a killed node restarts from it. The channel join and the
 * chaincode lifecycle use the host's peer/osnadmin CLIs against the containers' ports.
 */
export class ContainerNetwork {
  readonly containers = new Map<Node, StartedTestContainer>();
  issuer!: TestIssuer;
  gatewayUrl = '';
  ports: Record<string, string> = {};
  #started = 0;

  static async start(): Promise<ContainerNetwork> {
    const net = new ContainerNetwork();
    await net.#start();
    return net;
  }

  async #start(): Promise<void> {
    this.#started = Date.now();
    await this.#removeLeftovers();
    this.ports = await envValues('NET_ORDERER_OPS_PORT', 'NET_TC_CC_PORT', 'NET_REG_CC_PORT', 'NET_TC_MSPID', 'NET_REG_MSPID', 'NET_CRYPTO_DIR', 'NET_DATA_DIR', 'NET_CHANNEL', 'NET_BIDDER_PROXIES');
    rmSync(RUNTIME, { recursive: true, force: true });
    await network('artifacts');
    const crypto = this.ports.NET_CRYPTO_DIR as string;
    const data = this.ports.NET_DATA_DIR as string;
    chownTree(crypto);
    const mounts = (node: string) => [
      { source: crypto, target: crypto, mode: 'ro' as const },
      { source: ownedDir(path.join(data, node)), target: path.join(data, node), mode: 'rw' as const },
    ];
    await Promise.all((['orderer', 'peer-tc', 'peer-reg'] as const).map(async (node) => {
      const env = parseEnv(await network('node-env', node));
      const image = node === 'orderer' ? 'orderer' : 'peer';
      this.containers.set(node, await this.#container(node, image, env, mounts(node)).start());
    }));
    log(`orderer and peers healthy after ${this.#elapsed()} s`);
    await network('channel');
    const ids = Object.fromEntries((await network('cc-ids')).trim().split('\n').map((l) => l.split(' ') as [string, string]));
    await Promise.all((['tc', 'reg'] as const).map(async (org) => {
      const env = {
        CHAINCODE_ID: ids[org] as string,
        CHAINCODE_SERVER_ADDRESS: `127.0.0.1:${this.ports[`NET_${org.toUpperCase()}_CC_PORT`] as string}`,
        CORE_PEER_LOCALMSPID: this.ports[`NET_${org.toUpperCase()}_MSPID`] as string,
        // As network.sh gives its chaincode servers: the gateway's bidder proxy reads for bidders.
        TENDER_BIDDER_PROXIES: this.ports.NET_BIDDER_PROXIES as string,
      };
      this.containers.set(`cc-${org}`, await this.#container(`cc-${org}`, 'chaincode', env, []).start());
    }));
    await network('deploy');
    log(`channel joined, chaincode deployed after ${this.#elapsed()} s`);
    await this.#startGateway();
    log(`gateway healthy at ${this.gatewayUrl} after ${this.#elapsed()} s`);
  }

  async #startGateway(): Promise<void> {
    const issuerDir = ownedDir(path.join(RUNTIME, 'issuer'));
    this.issuer = await createTestIssuer(issuerDir, 'urn:tender-ledger:container-test-issuer');
    chownTree(issuerDir);
    const port = 8080 + PORT_OFFSET;
    this.gatewayUrl = `http://127.0.0.1:${String(port)}`;
    const env = {
      HOST: '127.0.0.1', PORT: String(port), LEDGER_BACKEND: 'fabric', FABRIC_CONNECTION: CONNECTION_FILE,
      AUTH_ISSUERS: JSON.stringify([this.issuer.config()]), FABRIC_PLATFORM_IDENTITIES: JSON.stringify(FABRIC_PLATFORMS),
      FABRIC_REGULATOR_IDENTITY: 'User1', FABRIC_PUBLIC_IDENTITY: 'User5', CLOSE_BIDDING_AT_DEADLINE: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
    };
    const crypto = this.ports.NET_CRYPTO_DIR as string;
    chownTree(RUNTIME);
    this.containers.set('gateway', await this.#container('gateway', 'gateway', env, [
      { source: crypto, target: crypto, mode: 'ro' },
      { source: CONNECTION_FILE, target: CONNECTION_FILE, mode: 'ro' },
      { source: issuerDir, target: issuerDir, mode: 'ro' },
      { source: ownedDir(path.join(RUNTIME, 'gateway-data')), target: '/data', mode: 'rw' },
    ]).start());
  }

  #container(node: Node, image: string, env: Record<string, string>, mounts: { source: string; target: string; mode: 'ro' | 'rw' }[]): GenericContainer {
    return new GenericContainer(`tender-ledger/${image}:${IMAGE_TAG}`)
      .withName(NAME_PREFIX + node)
      .withNetworkMode('host')
      .withEnvironment(env)
      .withBindMounts(mounts)
      // The image's HEALTHCHECK (operations /healthz, the chaincode port, the gateway's /healthz).
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(240_000);
  }

  #elapsed(): string {
    return ((Date.now() - this.#started) / 1000).toFixed(0);
  }

  id(node: Node): string {
    const c = this.containers.get(node);
    if (!c) throw new Error(`no container ${node}`);
    return c.getId();
  }

  /** When Docker last started the container (changes on a restart). */
  startedAt(node: Node) { return docker('inspect', '-f', '{{.State.StartedAt}}', this.id(node)); }

  pause(node: Node) { return docker('pause', this.id(node)); }
  unpause(node: Node) { return docker('unpause', this.id(node)); }
  kill(node: Node) { return docker('kill', '--signal', 'KILL', this.id(node)); }

  /** Starts a killed container again (same container, same mounted state) and waits for its health check. */
  async restart(node: Node, timeoutMs = 240_000): Promise<void> {
    await docker('start', this.id(node));
    await this.waitHealthy(node, timeoutMs);
  }

  /** Polls Docker's view of the image's HEALTHCHECK. */
  async waitHealthy(node: Node, timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await docker('inspect', '-f', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', this.id(node));
      if (state === 'running healthy') return;
      if (state.startsWith('exited') || state.startsWith('dead')) throw new Error(`${node} ${state}: ${await docker('logs', '--tail', '30', this.id(node))}`);
      if (Date.now() > deadline) throw new Error(`${node} not healthy after ${String(timeoutMs / 1000)} s (${state})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The orderer is healthy before Raft has a leader again; until then it refuses transactions. */
  async waitOrdererLeader(timeoutMs = 120_000): Promise<void> {
    const url = `http://127.0.0.1:${this.ports.NET_ORDERER_OPS_PORT as string}/metrics`;
    const want = `consensus_etcdraft_is_leader{channel="${this.ports.NET_CHANNEL as string}"} 1`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await fetch(url).then((r) => r.text()).catch(() => '');
      if (text.split('\n').includes(want)) return;
      if (Date.now() > deadline) throw new Error('no Raft leader after the orderer restart');
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    const logDir = ownedDir(path.join(RUNTIME, 'logs'));
    for (const [node, c] of this.containers) {
      const out = await docker('logs', '--tail', '2000', c.getId()).catch(() => '');
      writeFileSync(path.join(logDir, `${node}.log`), out);
    }
    await this.#removeLeftovers();
    this.containers.clear();
  }

  /** Containers of an earlier run of this suite (by our names only), unpaused and removed. */
  async #removeLeftovers(): Promise<void> {
    const ids = (await docker('ps', '-aq', '--filter', `name=^${NAME_PREFIX}`)).split('\n').filter(Boolean);
    for (const id of ids) await docker('unpause', id).catch(() => '');
    if (ids.length > 0) await docker('rm', '-f', '-v', ...ids);
  }
}

export function runtimeExists(): boolean {
  return existsSync(CONNECTION_FILE);
}
