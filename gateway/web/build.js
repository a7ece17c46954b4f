// Builds the pages the gateway serves: one bundle, no CDN, nothing loaded from elsewhere.
// Type-checked by tsc first (esbuild only strips types).
const { build } = require('esbuild');
const { copyFileSync, mkdirSync } = require('node:fs');
const path = require('node:path');

const out = path.join(__dirname, 'dist');
mkdirSync(out, { recursive: true });
build({
  entryPoints: [path.join(__dirname, 'src/main.ts')],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  outfile: path.join(out, 'app.js'),
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
})
  .then(() => {
    copyFileSync(path.join(__dirname, 'app.css'), path.join(out, 'app.css'));
    copyFileSync(path.join(__dirname, 'index.html'), path.join(out, 'index.html'));
  })
  .catch(() => {
    process.exitCode = 1;
  });
