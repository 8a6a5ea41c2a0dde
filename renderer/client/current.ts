// The app's one client, set once at start-up (tests may set their own).
import type { NetnsClient } from '../../shared/protocol';

let current: NetnsClient | null = null;

export function setClient(client: NetnsClient): void {
  current = client;
}

export function useClient(): NetnsClient {
  if (!current) throw new Error('setClient() has not been called');
  return current;
}
