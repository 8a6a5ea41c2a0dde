// Where cards go: ELK's layered layout the first time, then new cards are
// placed beside their neighbours without moving anything already placed.
import type { NamespaceView, XY } from '../model/graph';

export interface Box {
  id: string;
  width: number;
  height: number;
  /** Vertical centre of each port row, by ifname, so ELK can order cards by cable. */
  rows?: Record<string, number>;
}
export interface Edge {
  source: string;
  target: string;
  sourcePort?: string;
  targetPort?: string;
}

export const CARD_WIDTH = 280;
const GAP_X = 140;
/** How tall a column of unconnected cards grows before the next one starts. */
const COLUMN_HEIGHT = 720;
const GAP_Y = 48;

const HEADER = 52;
/** A title's second line, and each line under it (see NamespaceNode's .title.two and .subtitles). */
const TITLE_LINE = 18;
const SUBTITLE_LINE = 16;
const SUBTITLES_PADDING = 9;
const rowHeight = (addresses: number) => 36 + Math.max(0, addresses - 1) * 16;

/** The card's header with its title and the lines under it. */
function headerHeight(ns: Pick<NamespaceView, 'titleLines' | 'subtitles'>): number {
  return HEADER + (ns.titleLines - 1) * TITLE_LINE + (ns.subtitles.length ? ns.subtitles.length * SUBTITLE_LINE + SUBTITLES_PADDING : 0);
}

/** The line that says how many rows a card leaves out (see CARD_ROWS). */
const MORE_LINE = 30;

/** Card height as drawn (header, one row per port shown, a line per extra address, the line for the rest). */
export function estimateHeight(ns: NamespaceView): number {
  const more = ns.shownPorts.length < ns.ports.length ? MORE_LINE : 0;
  return headerHeight(ns) + ns.shownPorts.reduce((h, p) => h + rowHeight(p.addresses.length), 0) + more + (ns.ports.length ? 8 : 24);
}

/** Where each port row's centre sits below the card's top. */
export function rowOffsets(ns: NamespaceView): Record<string, number> {
  const rows: Record<string, number> = {};
  let y = headerHeight(ns) + 4;
  for (const p of ns.shownPorts) {
    const h = rowHeight(p.addresses.length);
    rows[p.ifname] = y + 14;
    y += h;
  }
  return rows;
}

/** Past this many cards, a layered layout becomes one very tall column: use a grid instead. */
export const GRID_FROM = 40;

/**
 * Cards in columns, wider than tall, in the given order (the host first). For
 * large labs, where a layered layout would stack every namespace in one column.
 */
export function gridLayout(boxes: readonly Box[]): Map<string, XY> {
  // About 1.7 times wider than tall on screen, for cards ~420 px apart and ~150 px high.
  const perColumn = Math.max(1, Math.ceil(Math.sqrt(boxes.length * 1.6)));
  const result = new Map<string, XY>();
  let x = 0;
  for (let start = 0; start < boxes.length; start += perColumn) {
    const column = boxes.slice(start, start + perColumn);
    let y = 0;
    for (const box of column) {
      result.set(box.id, { x, y });
      y += box.height + GAP_Y;
    }
    x += Math.max(...column.map((b) => b.width)) + GAP_X;
  }
  return result;
}

export async function layoutAll(boxes: readonly Box[], edges: readonly Edge[]): Promise<Map<string, XY>> {
  if (boxes.length >= GRID_FROM) return gridLayout(boxes);
  // A fresh lab is its host alone: loading ELK (1.5 MB) to place one card cost a new user's first draw about a second.
  if (boxes.length <= 1) return new Map(boxes.map((b) => [b.id, { x: 0, y: 0 }]));
  // elkjs is large: load it only when a layered layout is wanted.
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': String(GAP_Y),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(GAP_X),
      'elk.separateConnectedComponents': 'true',
      'elk.spacing.componentComponent': String(GAP_Y),
    },
    children: boxes.map((b) => ({
      id: b.id,
      width: b.width,
      height: b.height,
      // Cables leave on the right and arrive on the left, at their row: ELK then orders cards to avoid crossings.
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: edges.flatMap((e) => [
        ...(e.source === b.id && e.sourcePort ? [{ id: `${b.id}:${e.sourcePort}:out`, x: b.width, y: b.rows?.[e.sourcePort] ?? b.height / 2, width: 1, height: 1 }] : []),
        ...(e.target === b.id && e.targetPort ? [{ id: `${b.id}:${e.targetPort}:in`, x: -1, y: b.rows?.[e.targetPort] ?? b.height / 2, width: 1, height: 1 }] : []),
      ]),
    })),
    edges: edges
      .filter((e) => e.source !== e.target)
      .map((e, i) => ({
        id: `e${i}`,
        sources: [e.sourcePort ? `${e.source}:${e.sourcePort}:out` : e.source],
        targets: [e.targetPort ? `${e.target}:${e.targetPort}:in` : e.target],
      })),
  });
  return new Map((graph.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

const overlaps = (a: XY & Box, b: XY & Box) => a.x < b.x + b.width + GAP_X / 2 && b.x < a.x + a.width + GAP_X / 2 && a.y < b.y + b.height + GAP_Y / 2 && b.y < a.y + a.height + GAP_Y / 2;

/** Positions for `fresh` boxes, next to a placed neighbour when they have one, never overlapping. */
export function placeNew(fresh: readonly Box[], placed: ReadonlyMap<string, XY & Box>, edges: readonly Edge[]): Map<string, XY> {
  const all = new Map(placed);
  const result = new Map<string, XY>();
  // Columns as tall as a screen, or as gridLayout's for as many cards when hundreds arrive at once (a runtime starting its containers):
  // beside one neighbour they would otherwise stack into one endless column.
  const count = placed.size + fresh.length;
  const averageHeight = [...placed.values(), ...fresh].reduce((sum, b) => sum + b.height, 0) / Math.max(1, count);
  const columnHeight = Math.max(COLUMN_HEIGHT, Math.ceil(Math.sqrt(count * 1.6)) * (averageHeight + GAP_Y));
  for (const box of fresh) {
    const neighbour = edges
      .filter((e) => e.source === box.id || e.target === box.id)
      .map((e) => all.get(e.source === box.id ? e.target : e.source))
      .find((n) => n !== undefined);
    const rects = [...all.values()];
    const right = rects.length ? Math.max(...rects.map((r) => r.x + r.width)) : 0;
    const top = rects.length ? Math.min(...rects.map((r) => r.y)) : 0;
    // Without a neighbour, fill the rightmost column downwards, then start a new one: a grid, not a long row.
    // The first column (the host's) stays on its own, so cables to it run left to right.
    const firstColumn = rects.length ? Math.min(...rects.map((r) => r.x)) : 0;
    const lastColumn = rects.length ? Math.max(...rects.map((r) => r.x)) : 0;
    const columnBottom = Math.max(top, ...rects.filter((r) => r.x === lastColumn).map((r) => r.y + r.height + GAP_Y));
    const fits = rects.length && lastColumn !== firstColumn && columnBottom + box.height - top <= columnHeight;
    const loose = fits ? { x: lastColumn, y: columnBottom } : { x: rects.length ? right + GAP_X : 0, y: top };
    const candidate = neighbour ? { x: neighbour.x + neighbour.width + GAP_X, y: neighbour.y } : loose;
    let rect = { ...box, ...candidate };
    // Down past whatever is in the way; a column beside the neighbour that grew too tall continues in the next one.
    for (let column = 0; column < 1000; column++) {
      for (let guard = 0; guard < 500; guard++) {
        const hit = rects.find((r) => overlaps(rect, r));
        if (!hit) break;
        rect = { ...rect, y: hit.y + hit.height + GAP_Y };
      }
      if (!neighbour || rect.y + rect.height - candidate.y <= columnHeight) break;
      rect = { ...rect, x: rect.x + box.width + GAP_X, y: candidate.y };
    }
    all.set(box.id, rect);
    result.set(box.id, { x: rect.x, y: rect.y });
  }
  return result;
}

/**
 * Cards grow as interfaces are added, and may come to cover the card below.
 * Moves each covered card down just enough; everything else stays put.
 */
export function resolveOverlaps(placed: ReadonlyMap<string, XY & Box>): Map<string, XY> {
  const moved = new Map<string, XY>();
  const cards = [...placed.values()].map((c) => ({ ...c })).sort((a, b) => a.y - b.y || a.x - b.x);
  for (const [i, card] of cards.entries()) {
    for (const above of cards.slice(0, i)) {
      const sameColumn = card.x < above.x + above.width && above.x < card.x + card.width;
      const minY = above.y + above.height + GAP_Y / 2;
      if (sameColumn && card.y >= above.y && card.y < minY) {
        card.y = minY;
        moved.set(card.id, { x: card.x, y: card.y });
      }
    }
  }
  return moved;
}
