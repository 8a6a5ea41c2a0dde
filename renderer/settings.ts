// What the app remembers between runs (text size, theme, card places), in the
// page's localStorage: per origin, so the web app keeps one port per user.
// Where there is no storage (unit tests, a locked-down browser) nothing is kept.

export function readSetting(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(`netns-explorer.${key}`) ?? null;
  } catch {
    return null;
  }
}

export function writeSetting(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(`netns-explorer.${key}`, value);
  } catch {
    // Full or refused: the setting lasts this session only.
  }
}
