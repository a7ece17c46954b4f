// Builds what the SDK's package ships: the domain, tlog and trust code bundled in (they are workspace
// packages, not on any registry), third-party packages left as dependencies. ESM and CommonJS
// entry points, one declaration bundle without @tender-ledger/* references. Skips the work when
// nothing changed since the last run (tsc -b has already rebuilt the sources it depends on).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const out = path.join(here, 'dist/bundle');
const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies);

const sources = ['client-sdk/src', 'domain/src', 'tlog/src', 'trust/src'].map((dir) => path.join(repo, dir));
const newest = Math.max(
  statSync(path.join(here, 'package.json')).mtimeMs,
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
  ...sources.flatMap((dir) => readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs)),
);
const outputs = ['index.mjs', 'index.cjs', 'cli.cjs', 'index.d.ts', 'index.d.mts'].map((f) => path.join(out, f));
if (process.argv[2] !== '--force' && outputs.every((f) => existsSync(f) && statSync(f).mtimeMs > newest)) process.exit(0);

// The workspace packages from their TypeScript sources (ES modules), so the ESM bundle has no require().
const workspaceSources = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@tender-ledger\/(domain|tlog|trust)(\/node)?$/ }, ({ path: spec }) => {
      const [, name = '', sub] = /^@tender-ledger\/(domain|tlog|trust)(\/node)?$/.exec(spec) ?? [];
      return { path: path.join(repo, name, 'src', sub ? 'node.ts' : 'index.ts') };
    });
  },
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external,
  plugins: [workspaceSources],
  logLevel: 'warning',
  legalComments: 'none',
};
await Promise.all([
  build({ ...common, entryPoints: [path.join(here, 'src/index.ts')], format: 'esm', outfile: path.join(out, 'index.mjs') }),
  build({ ...common, entryPoints: [path.join(here, 'src/index.ts')], format: 'cjs', outfile: path.join(out, 'index.cjs') }),
  build({ ...common, entryPoints: [path.join(here, 'src/cli.ts')], format: 'cjs', outfile: path.join(out, 'cli.cjs') }),
]);

// One declaration file: the domain's and tlog's types inlined, third-party ones imported.
const dts = path.join(out, 'index.d.ts');
execFileSync(
  process.execPath,
  [
    path.join(repo, 'node_modules/dts-bundle-generator/dist/bin/dts-bundle-generator.js'),
    '--silent',
    '--no-banner',
    '--project',
    path.join(here, 'tsconfig.json'),
    '--external-inlines',
    '@tender-ledger/domain',
    '@tender-ledger/tlog',
    '@tender-ledger/trust',
    '-o',
    dts,
    '--',
    path.join(here, 'src/index.ts'),
  ],
  { stdio: 'inherit' },
);
const text = readFileSync(dts, 'utf8');
if (text.includes('@tender-ledger/')) throw new Error(`${dts} still references a workspace package`);
copyFileSync(dts, path.join(out, 'index.d.mts'));
writeFileSync(path.join(out, 'index.d.ts'), text);
