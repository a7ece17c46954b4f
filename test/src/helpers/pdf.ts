import { writeFileSync } from 'node:fs';
import { present } from './assert.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: PdfJs | undefined;

async function load(): Promise<PdfJs> {
  pdfjs ??= await import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

export interface PdfContent {
  pages: number;
  /** The text of every page, items joined without separators (so a hash wrapped across lines reads whole). */
  text: string;
}

/** The embedded fonts' names, read from the file's font dictionaries (a subset carries a `XXXXXX+` tag). */
export function embeddedFonts(bytes: Uint8Array): string[] {
  const raw = Buffer.from(bytes).toString('latin1');
  return [...raw.matchAll(/\/BaseFont\s*\/([A-Za-z0-9+_-]+)/g)].map((m) => present(m[1], 'a font name'));
}

/** Parses a PDF with pdf.js (pure JavaScript, Mozilla's) and extracts its text, as a reader would copy it. */
export async function readPdf(bytes: Uint8Array): Promise<PdfContent> {
  const { getDocument } = await load();
  const doc = await getDocument({
    data: new Uint8Array(bytes),
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    text += content.items.map((item) => ('str' in item ? item.str : '')).join('');
  }
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, text };
}

/** Renders a PDF's first page to PNG (for a person to look at), when @napi-rs/canvas is installed. */
export async function renderFirstPage(bytes: Uint8Array, file: string): Promise<boolean> {
  let canvasModule: typeof import('@napi-rs/canvas');
  try {
    canvasModule = await import('@napi-rs/canvas');
  } catch {
    return false;
  }
  const { getDocument } = await load();
  const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 }).promise;
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale: 1.4 });
  const canvas = canvasModule.createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const context = canvas.getContext('2d');
  await page.render({ canvasContext: context as unknown as CanvasRenderingContext2D, viewport }).promise;
  writeFileSync(file, canvas.toBuffer('image/png'));
  await doc.destroy();
  return true;
}
