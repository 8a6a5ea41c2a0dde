import { describe, expect, it } from 'vitest';
import { placeNew, resolveOverlaps } from '../../renderer/graph/layout';

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
    expect(at.y).toBeGreaterThanOrEqual(600);
  });
});

describe('resolveOverlaps', () => {
  it('moves a card down when the one above it has grown over it, and nothing else', () => {
    const placed = new Map([card('host', 0, 0, 300), card('n1', 0, 200), card('far', 600, 10)]);
    expect(resolveOverlaps(placed)).toEqual(new Map([['n1', { x: 0, y: 324 }]]));
    expect(resolveOverlaps(new Map([card('a', 0, 0), card('b', 0, 200)]))).toEqual(new Map());
  });
});
