// Which port the web app listens on when not told.

/**
 * The port this user's web app prefers, the same every run: the browser keeps
 * settings (text size, theme, card places) per origin, so a new port each run
 * would forget them. Spread by uid, so users of one machine seldom meet.
 */
export function userPort(uid: number): number {
  return 41000 + (uid % 1000);
}
