// A second client of the web bridge, to read the helper's own view in tests.
import WebSocket from 'ws';
import { RpcClient } from '../../shared/rpc-client';

export async function connectBridge(url: string, origin: string): Promise<{ client: RpcClient; close(): void }> {
  const target = new URL(url);
  const ws = new WebSocket(`ws://${target.host}/rpc?token=${target.searchParams.get('token')}`, { headers: { Origin: origin } });
  const client = new RpcClient((text) => ws.send(text));
  ws.on('message', (data) => client.receive(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
  });
  return { client, close: () => ws.close() };
}
