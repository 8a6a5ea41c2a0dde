// The remote hosts this user connected to, most recent first, for the
// "Connect to host" dialog. Kept with the other settings (per origin).
import { canonicalDestination } from '../shared/ssh-destination';
import { readSetting, writeSetting } from './settings';

const KEY = 'recentHosts';
export const MAX_RECENT_HOSTS = 8;

export function recentHosts(): string[] {
  try {
    const stored: unknown = JSON.parse(readSetting(KEY) ?? '[]');
    // Whatever is stored is checked again: the list only ever offers real destinations.
    return Array.isArray(stored) ? stored.filter((h): h is string => typeof h === 'string' && canonicalDestination(h) === h).slice(0, MAX_RECENT_HOSTS) : [];
  } catch {
    return [];
  }
}

/** Puts a host first (once), dropping the oldest beyond the cap. */
export function rememberHost(destination: string): string[] {
  const name = canonicalDestination(destination);
  if (name === null) return recentHosts();
  const list = [name, ...recentHosts().filter((h) => h !== name)].slice(0, MAX_RECENT_HOSTS);
  writeSetting(KEY, JSON.stringify(list));
  return list;
}

export function forgetHost(destination: string): string[] {
  const list = recentHosts().filter((h) => h !== destination);
  writeSetting(KEY, JSON.stringify(list));
  return list;
}
