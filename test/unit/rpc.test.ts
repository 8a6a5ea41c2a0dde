import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../shared/protocol';
import { handleLine, serveLines, type Dispatch } from '../../electron/helper/rpc';

const calls: string[] = [];
const dispatch: Dispatch = async (method, params) => {
  calls.push(method);
  if (method === 'netns.delete') throw new RpcError({ code: ErrorCode.NotFound, message: 'gone' });
  return { method, params };
};

describe('handleLine', () => {
  it('answers a valid call with its result', async () => {
    expect(await handleLine('{"jsonrpc":"2.0","id":1,"method":"netns.create","params":{"name":"n1"}}', dispatch)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { method: 'netns.create', params: { name: 'n1' } },
    });
  });

  it('uses the JSON-RPC codes and never dispatches invalid calls', async () => {
    calls.length = 0;
    expect(await handleLine('{oops', dispatch)).toMatchObject({ id: null, error: { code: ErrorCode.ParseError } });
    expect(await handleLine('{"id":2,"method":"snapshot"}', dispatch)).toMatchObject({ id: 2, error: { code: ErrorCode.InvalidRequest } });
    expect(await handleLine('{"jsonrpc":"2.0","id":3,"method":"rm -rf"}', dispatch)).toMatchObject({ id: 3, error: { code: ErrorCode.MethodNotFound } });
    expect(await handleLine('{"jsonrpc":"2.0","id":4,"method":"netns.create","params":{"name":"a b"}}', dispatch)).toMatchObject({
      id: 4,
      error: { code: ErrorCode.InvalidParams, data: { field: 'name' } },
    });
    expect(calls).toEqual([]);
  });

  it('passes an action’s own error through', async () => {
    expect(await handleLine('{"jsonrpc":"2.0","id":5,"method":"netns.delete","params":{"name":"x"}}', dispatch)).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: { code: ErrorCode.NotFound, message: 'gone' },
    });
  });

  it('answers batches and stays silent for notifications', async () => {
    const replies = await handleLine('[{"jsonrpc":"2.0","id":6,"method":"snapshot"},{"jsonrpc":"2.0","method":"snapshot"}]', dispatch);
    expect(replies).toEqual([{ jsonrpc: '2.0', id: 6, result: { method: 'snapshot', params: {} } }]);
    expect(await handleLine('{"jsonrpc":"2.0","method":"snapshot"}', dispatch)).toBeUndefined();
  });
});

describe('serveLines', () => {
  it('closes quietly when its peer vanishes mid-stream', async () => {
    const stream = new PassThrough();
    stream.on('error', () => undefined);
    const server = serveLines(stream, stream, dispatch);
    stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await expect(server.closed).resolves.toBeUndefined();
    expect(() => server.notify('topology', {})).not.toThrow();
  });
});
