/**
 * The tlog-tiles read side (c2sp.org/tlog-tiles): a tile at level L holds up to 256 consecutive
 * hashes of tree level 8·L; tile N of a level starts at hash 256·N. A full tile never changes;
 * a partial one (`.p/<W>`, 1 ≤ W ≤ 255) is the first W hashes of a tile still growing. Entry
 * bundles (`/tile/entries/...`) hold the leaves' data, each as a big-endian uint16 length and bytes.
 */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 1 << TILE_HEIGHT;

/** The hashes (and entries) a tile reads from. */
export interface TileSource {
  readonly size: number;
  node(level: number, index: number): Uint8Array;
  entry(index: number): Uint8Array;
}

export interface TilePath {
  /** A tree tile's level, or 'entries'. */
  readonly level: number | 'entries';
  readonly index: number;
  /** 256 for a full tile. */
  readonly width: number;
}

/** `N` as tlog-tiles encodes it: 3-digit groups, all but the last prefixed with `x` (1234067 → x001/x234/067). */
export function encodeTileIndex(n: number): string {
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function formatTilePath(tile: TilePath): string {
  return `tile/${tile.level}/${encodeTileIndex(tile.index)}${tile.width < TILE_WIDTH ? `.p/${tile.width}` : ''}`;
}

/**
 * Parses the part after `/tile/`; undefined unless canonical (a non-canonical path is another
 * URL for the same bytes, which would defeat caching and invite confusion).
 */
export function parseTilePath(rest: string): TilePath | undefined {
  const segments = rest.split('/');
  const levelText = segments.shift();
  let level: number | 'entries';
  if (levelText === 'entries') level = 'entries';
  else if (levelText !== undefined && /^(0|[1-9][0-9]?)$/.test(levelText) && Number(levelText) <= 63) level = Number(levelText);
  else return undefined;
  let width = TILE_WIDTH;
  const last = segments.at(-1);
  const secondLast = segments.at(-2);
  if (secondLast !== undefined && /^\d{3}\.p$/.test(secondLast) && last !== undefined && /^[1-9][0-9]{0,2}$/.test(last)) {
    width = Number(last);
    if (width >= TILE_WIDTH) return undefined;
    segments.pop();
    segments[segments.length - 1] = secondLast.slice(0, 3);
  }
  if (segments.length === 0 || segments.length > 6) return undefined;
  let index = 0;
  for (const [i, segment] of segments.entries()) {
    const isLast = i === segments.length - 1;
    const match = (isLast ? /^(\d{3})$/ : /^x(\d{3})$/).exec(segment);
    if (!match) return undefined;
    if (i === 0 && segments.length > 1 && match[1] === '000') return undefined;
    index = index * 1000 + Number(match[1]);
  }
  return Number.isSafeInteger(index) ? { level, index, width } : undefined;
}

/**
 * The tile's bytes from the log at its current size, or undefined if the log does not have
 * those hashes (yet). A partial tile is served only at its exact width, once that many exist.
 */
export function readTile(source: TileSource, tile: TilePath): Uint8Array | undefined {
  const levelSize = tile.level === 'entries' ? source.size : Math.floor(source.size / 2 ** (TILE_HEIGHT * tile.level));
  const start = tile.index * TILE_WIDTH;
  if (start + tile.width > levelSize) return undefined;
  if (tile.level === 'entries') {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < tile.width; i++) parts.push(source.entry(start + i));
    const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out[at] = p.length >> 8;
      out[at + 1] = p.length & 0xff;
      out.set(p, at + 2);
      at += 2 + p.length;
    }
    return out;
  }
  const out = new Uint8Array(tile.width * 32);
  const treeLevel = TILE_HEIGHT * tile.level;
  for (let i = 0; i < tile.width; i++) out.set(source.node(treeLevel, start + i), i * 32);
  return out;
}

/** Splits an entry bundle into its entries; undefined if it is not one. */
export function parseEntryBundle(bytes: Uint8Array): Uint8Array[] | undefined {
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return undefined;
    // at + 2 <= length: both reads are in range, and `?? 0` never applies (it types them).
    const length = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
    if (at + 2 + length > bytes.length) return undefined;
    entries.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}
