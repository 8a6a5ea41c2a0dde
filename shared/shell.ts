// Shell quoting for the command lines the app shows for copying: pure.

/** One word as a POSIX shell reads it back: as is when it is plain, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell line. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
