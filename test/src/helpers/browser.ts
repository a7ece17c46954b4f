import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, used when it is installed. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Which browser the suite runs, and whether Chinese text has glyphs in it. */
export interface LaunchedBrowser {
  browser: Browser;
  description: string;
  cjkFonts: boolean;
}

/** The directory of the Noto Sans SC TrueType files that `@expo-google-fonts/noto-sans-sc` ships. */
export function notoSansScDir(weight: '400Regular' | '700Bold' = '400Regular'): string {
  return path.join(path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json')), weight);
}

/**
 * A fontconfig configuration for the npm-shipped Chromium: its own fonts (unpacked to
 * `<tmp>/fonts`) plus Noto Sans SC from the npm package, so Chinese renders as glyphs, not boxes.
 */
function fontConfigWithCjk(): string | undefined {
  const regular = notoSansScDir('400Regular');
  if (!existsSync(regular)) return undefined;
  const dir = path.join(tmpdir(), 'tender-pages-fontconfig');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'fonts.conf'),
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      `  <dir>${path.join(tmpdir(), 'fonts')}</dir>`,
      `  <dir>${regular}</dir>`,
      `  <dir>${notoSansScDir('700Bold')}</dir>`,
      `  <cachedir>${path.join(dir, 'cache')}</cachedir>`,
      // Pages ask for sans-serif (and system-ui); make Noto Sans SC the fallback for CJK text.
      '  <alias><family>sans-serif</family><prefer><family>Noto Sans SC</family></prefer></alias>',
      '  <alias><family>system-ui</family><prefer><family>Noto Sans SC</family></prefer></alias>',
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  return dir;
}

/**
 * Launches headless Chromium for the pages suite: Debian's when installed, else the one that
 * `@sparticuz/chromium` ships inside its npm package (no apt step, no browser download).
 * `TENDER_TEST_CHROMIUM=npm` forces the npm one, `=system` requires Debian's.
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const wanted = process.env.TENDER_TEST_CHROMIUM ?? 'auto';
  if (!['auto', 'npm', 'system'].includes(wanted)) throw new Error(`TENDER_TEST_CHROMIUM must be auto, npm or system, not ${wanted}`);
  const common = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (wanted === 'system' || (wanted === 'auto' && existsSync(SYSTEM_CHROMIUM))) {
    if (!existsSync(SYSTEM_CHROMIUM)) throw new Error(`TENDER_TEST_CHROMIUM=system but ${SYSTEM_CHROMIUM} is missing`);
    const browser = await chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: common });
    return { browser, description: `Debian Chromium ${browser.version()} (${SYSTEM_CHROMIUM})`, cjkFonts: true };
  }
  const sparticuz = (await import('@sparticuz/chromium')).default;
  const executablePath = await sparticuz.executablePath();
  const fontConfig = fontConfigWithCjk();
  // Its Lambda flags that would weaken what the suite checks (web security, mixed content) or
  // clash with Playwright's own headless mode are left out.
  const dropped = /^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials|headless|single-process)/;
  const args = [...sparticuz.args.filter((a) => !dropped.test(a)), ...common];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  if (fontConfig) env.FONTCONFIG_PATH = fontConfig;
  const browser = await chromium.launch({ executablePath, args, env });
  return {
    browser,
    description: `@sparticuz/chromium ${browser.version()} (${executablePath}, unpacked from the npm package)${fontConfig ? `; CJK font: Noto Sans SC from @expo-google-fonts/noto-sans-sc via FONTCONFIG_PATH=${fontConfig}` : '; no CJK font: Chinese renders as boxes in screenshots'}`,
    cjkFonts: fontConfig !== undefined,
  };
}
