import { describe, expect, it } from 'vitest';
import { layoutAll, placeNew, resolveOverlaps } from '../../renderer/graph/layout';

const card = (id: string, x: number, y: number, height = 100) => [id, { id, x, y, width: 280, height }] as const;

describe('placing new cards', () => {
  it('puts a cabled newcomer beside its neighbour, and loose ones in a column right of the host', () => {
    const placed = new Map([card('host', 0, 0)]);
    const first = placeNew([{ id: 'a', width: 280, height: 100 }], placed, []);
    expect(first.get('a')).toEqual({ x: 420, y: 0 });
    const two = new Map([...placed, ['a', { id: 'a', width: 280, height: 100, x: 420, y: 0 }] as const]);
    expect(placeNew([{ id: 'b', width: 280, height: 100 }], two, []).get('b')).toEqual({ x: 420, y: 148 });
    expect(placeNew([{ id: 'c', width: 280, height: 100 }], two, [{ source: 'c', target: 'host' }]).get('c')?.x).toBe(420);
  });

  it('never overlaps what is there', () => {
    const placed = new Map([card('host', 0, 0), card('a', 420, 0, 600)]);
    const at = placeNew([{ id: 'b', width: 280, height: 100 }], placed, [{ source: 'b', target: 'host' }]).get('b') as { x: number; y: number };
    const overlapsA = at.x < 420 + 280 && at.x + 280 > 420 && at.y < 600 && at.y + 100 > 0;
    expect(overlapsA).toBe(false);
  });

  it('wraps hundreds of newcomers cabled to one card into columns beside it, like the grid, not one endless column', () => {
    const placed = new Map([card('host', 0, 0, 400)]);
    const fresh = Array.from({ length: 320 }, (_, i) => ({ id: `b${i}`, width: 280, height: 100 }));
    const at = placeNew(
      fresh,
      placed,
      fresh.map((b) => ({ source: 'host', target: b.id })),
    );
    const xs = new Set([...at.values()].map((p) => p.x));
    const bottom = Math.max(...[...at.values()].map((p) => p.y + 100));
    const right = Math.max(...[...at.values()].map((p) => p.x + 280));
    expect(xs.size).toBeGreaterThan(5);
    // Wider than tall, as gridLayout makes it.
    expect(right).toBeGreaterThan(bottom);
    expect(Math.min(...xs)).toBe(420);
    const rects = [...at.values()];
    for (const [i, a] of rects.entries()) for (const b of rects.slice(i + 1)) expect(a.x === b.x && Math.abs(a.y - b.y) < 100).toBe(false);
  });
});

describe('resolveOverlaps', () => {
  it('moves a card down when the one above it has grown over it, and nothing else', () => {
    const placed = new Map([card('host', 0, 0, 300), card('n1', 0, 200), card('far', 600, 10)]);
    expect(resolveOverlaps(placed)).toEqual(new Map([['n1', { x: 0, y: 324 }]]));
    expect(resolveOverlaps(new Map([card('a', 0, 0), card('b', 0, 200)]))).toEqual(new Map());
  });
});

describe('layoutAll', () => {
  it('puts a lone card at the origin, and lays out two cabled cards left to right', async () => {
    expect(await layoutAll([{ id: 'host', width: 280, height: 100 }], [])).toEqual(new Map([['host', { x: 0, y: 0 }]]));
    const two = await layoutAll(
      [
        { id: 'host', width: 280, height: 100 },
        { id: 'netns1', width: 280, height: 100 },
      ],
      [{ source: 'host', target: 'netns1' }],
    );
    expect((two.get('netns1')?.x ?? 0) > (two.get('host')?.x ?? 0)).toBe(true);
  });
});
