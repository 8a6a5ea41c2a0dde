// The graph as a plain SVG drawing: cards as rects, cables as paths, every
// word as text, so a vector editor (Inkscape) can change any of it. Pure: the
// scene is read from the canvas elsewhere (renderer/pictures.ts).

export interface SceneRow {
  /** Top of the row below the card's top, and its height. */
  y: number;
  height: number;
  ifname: string;
  kind: string;
  state: string;
  /** ok, warn, idle…: the state's tone, for its colour. */
  tone: string;
  addresses: string[];
  /** A bridge's port, drawn indented under its bridge. */
  indent: boolean;
}

export interface SceneCard {
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  /** "this lab's host", "unnamed"… */
  tag: string | null;
  root: boolean;
  /** When the card is a compact one, its port count. */
  count: number | null;
  rows: SceneRow[];
}

export interface SceneCable {
  /** The path as drawn, in graph coordinates. */
  d: string;
  /** Carrier on both ends: solid; otherwise dashed. */
  live: boolean;
}

export interface Palette {
  bg: string;
  card: string;
  cardHead: string;
  cardRoot: string;
  border: string;
  text: string;
  muted: string;
  accent: string;
  ok: string;
  warn: string;
  idle: string;
  cable: string;
  cableDown: string;
}

export interface Scene {
  cards: SceneCard[];
  cables: SceneCable[];
  palette: Palette;
}

/** Space around the drawing. */
export const MARGIN = 24;
const HEAD = 34;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Drawing coordinates, rounded: the file stays readable. */
const n = (v: number) => String(Math.round(v * 10) / 10);

/** The smallest box holding every card and cable point (cables are bounded by their path's numbers). */
export function bounds(scene: Scene): { x: number; y: number; width: number; height: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const c of scene.cards) {
    xs.push(c.x, c.x + c.width);
    ys.push(c.y, c.y + c.height);
  }
  for (const cable of scene.cables) {
    const numbers = (cable.d.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? []).map(Number);
    numbers.forEach((v, i) => (i % 2 === 0 ? xs : ys).push(v));
  }
  if (!xs.length) return { x: 0, y: 0, width: 2 * MARGIN, height: 2 * MARGIN };
  const x = Math.min(...xs) - MARGIN;
  const y = Math.min(...ys) - MARGIN;
  return { x, y, width: Math.max(...xs) + MARGIN - x, height: Math.max(...ys) + MARGIN - y };
}

function tone(p: Palette, name: string): string {
  return name === 'ok' ? p.ok : name === 'warn' ? p.warn : name === 'idle' ? p.idle : p.muted;
}

function card(c: SceneCard, p: Palette): string {
  const out = [`<g class="card" transform="translate(${n(c.x)} ${n(c.y)})">`];
  out.push(`<rect width="${n(c.width)}" height="${n(c.height)}" rx="10" fill="${p.card}" stroke="${p.border}"/>`);
  const headHeight = c.count !== null ? c.height : HEAD;
  // The head: rounded at the top only, unless it is the whole (compact) card.
  const w = n(c.width);
  const head = c.count !== null ? `<rect width="${w}" height="${n(headHeight)}" rx="10"` : `<path d="M0,${HEAD} V10 A10,10 0 0 1 10,0 H${n(c.width - 10)} A10,10 0 0 1 ${w},10 V${HEAD} Z"`;
  out.push(`${head} fill="${c.root ? p.cardRoot : p.cardHead}"/>`);
  out.push(`<text x="12" y="${n(headHeight / 2 + 5)}" font-weight="700" font-size="${c.count !== null ? 28 : 14}" fill="${p.text}">${esc(c.title)}</text>`);
  if (c.count !== null) out.push(`<text x="${n(c.width - 16)}" y="${n(headHeight / 2 + 5)}" text-anchor="end" font-size="24" fill="${p.muted}">${c.count}</text>`);
  else if (c.tag) out.push(`<text x="${n(c.width - 12)}" y="${n(HEAD / 2 + 4)}" text-anchor="end" font-size="12" fill="${p.muted}">${esc(c.tag)}</text>`);
  for (const r of c.rows) {
    const left = r.indent ? 30 : 14;
    const base = r.y + 17;
    out.push(`<g class="port">`);
    out.push(`<text x="${left}" y="${n(base)}" font-family="monospace" font-weight="700" font-size="12" fill="${p.text}">${esc(r.ifname)}</text>`);
    out.push(`<text x="${left + 8 + r.ifname.length * 7.5}" y="${n(base)}" font-size="12" fill="${p.accent}">${esc(r.kind)}</text>`);
    out.push(`<text x="${n(c.width - 12)}" y="${n(base)}" text-anchor="end" font-size="12" fill="${tone(p, r.tone)}">${esc(r.state)}</text>`);
    r.addresses.forEach((a, i) => out.push(`<text x="${left + 2}" y="${n(base + 16 * (i + 1))}" font-family="monospace" font-size="12" fill="${p.text}">${esc(a)}</text>`));
    out.push(`</g>`);
  }
  out.push('</g>');
  return out.join('');
}

/** The whole drawing: background, cables under cards, cards. */
export function vectorSvg(scene: Scene): string {
  const b = bounds(scene);
  const p = scene.palette;
  const cables = scene.cables.map((c) => `<path class="cable" d="${esc(c.d)}" fill="none" stroke="${c.live ? p.cable : p.cableDown}" stroke-width="2"${c.live ? '' : ' stroke-dasharray="6 4"'}/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(b.width)}" height="${n(b.height)}" viewBox="${n(b.x)} ${n(b.y)} ${n(b.width)} ${n(b.height)}" font-family="DejaVu Sans, sans-serif">`,
    `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" fill="${p.bg}"/>`,
    ...cables,
    ...scene.cards.map((c) => card(c, p)),
    '</svg>',
  ].join('\n');
}
