// /run/netns names are made by anyone (a runtime, a script, an attacker) and
// are data: decoded without loss, and only plain ones are ever handed to ip.
const strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes of a UTF-8 sequence that starts with `lead`; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * A file name's bytes as a string: UTF-8 where they are UTF-8, and each other
 * byte as the lone surrogate U+DC00+byte (as Python's surrogateescape does),
 * so no two names collide and displayName can show the byte as \xHH.
 */
export function decodeName(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let out = '';
    for (let i = 0; i < bytes.length;) {
      const length = sequenceLength(bytes[i] as number);
      if (length > 0 && i + length <= bytes.length) {
        try {
          out += strict.decode(bytes.subarray(i, i + length));
          i += length;
          continue;
        } catch {
          // Not a whole sequence: escape the lead byte alone.
        }
      }
      out += String.fromCharCode(0xdc00 + (bytes[i] as number));
      i++;
    }
    return out;
  }
}

/** Whether a decoded name holds bytes that were not UTF-8 (and so cannot be given to a program as text). */
export function hasRawBytes(name: string): boolean {
  return /[\udc80-\udcff]/.test(name);
}
