import { present } from './assert.js';

/** Flips the bits of `mask` in byte `index` of `bytes` (in place), asserting the byte is there. */
export function flipBits(bytes: Uint8Array, index: number, mask: number): void {
  bytes[index] = present(bytes[index], `byte ${index} of ${bytes.length}`) ^ mask;
}
