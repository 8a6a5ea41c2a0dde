// Exporting the graph as a picture: a vector SVG of cards, cables and text
// (renderer/model/vector.ts), and a PNG drawn from that SVG at twice the size.
// Both hold the whole graph with a tight margin, in the theme on screen, and
// nothing of the moment: no selection, no glow, no minimap or buttons.
import { vectorSvg, type Palette, type Scene, type SceneCard } from './model/vector';
import { resolveColors } from './theme';

function save(name: string, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
}

function palette(): Palette {
  return resolveColors({
    bg: '--bg',
    card: '--card',
    cardHead: '--card-head',
    cardRoot: '--card-root',
    border: '--border',
    text: '--text',
    muted: '--muted',
    accent: '--accent',
    ok: '--ok',
    warn: '--warn',
    idle: '--idle',
    cable: '--cable',
    cableDown: '--cable-down',
  });
}

const text = (el: Element | null) => el?.textContent?.trim() ?? '';

/** Cards and cables as drawn, in graph coordinates (Vue Flow places each node by a translate). */
export function readScene(canvas: HTMLElement): Scene {
  const cards: SceneCard[] = [];
  for (const node of canvas.querySelectorAll<HTMLElement>('.vue-flow__node')) {
    const at = /translate\((-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(node.style.transform);
    const el = node.querySelector<HTMLElement>('[data-testid="netns"]');
    const hub = node.querySelector<HTMLElement>('[data-testid="switch"]');
    if (at && hub) {
      // A bridge drawn as a switch: a small node with its name and port count.
      cards.push({
        x: Number(at[1]),
        y: Number(at[2]),
        width: hub.offsetWidth,
        height: hub.offsetHeight,
        title: `⇆ ${hub.dataset.title ?? ''}`,
        tag: null,
        root: false,
        count: Number(text(hub.querySelector('.count'))),
        rows: [],
      });
      continue;
    }
    if (!at || !el) continue;
    const compact = el.classList.contains('compact');
    cards.push({
      x: Number(at[1]),
      y: Number(at[2]),
      width: el.offsetWidth,
      height: el.offsetHeight,
      title: el.dataset.title ?? '',
      tag: compact ? null : text(el.querySelector('.head .tag')) || null,
      root: el.classList.contains('root'),
      count: compact ? Number(text(el.querySelector('.count'))) : null,
      rows: compact
        ? []
        : [...el.querySelectorAll<HTMLElement>('li[data-testid="iface"]')].map((row) => ({
            y: row.offsetTop,
            height: row.offsetHeight,
            ifname: row.dataset.ifname ?? '',
            kind: text(row.querySelector('.kind')),
            state: text(row.querySelector('.state')),
            tone: ['ok', 'warn', 'idle'].find((t) => row.querySelector('.state')?.classList.contains(t)) ?? 'muted',
            addresses: [...row.querySelectorAll('.addr')].map(text),
            indent: row.classList.contains('depth-1'),
          })),
    });
  }
  const cables = [...canvas.querySelectorAll<SVGGElement>('[data-testid="cable"]')].map((g) => ({ d: g.querySelector('path.wire')?.getAttribute('d') ?? '', live: g.classList.contains('live') }));
  return { cards, cables: cables.filter((c) => c.d), palette: palette() };
}

const svgUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** Draws the SVG onto a canvas at `scale`, for a PNG. */
async function rasterize(svg: string, scale: number): Promise<string> {
  const image = new Image();
  await new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error('the drawing could not be rendered'));
    // A data: URL, which the page's CSP allows for images (blob: it does not).
    image.src = svgUrl(svg);
  });
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(image.width * scale);
  canvas.height = Math.ceil(image.height * scale);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas here');
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}

export async function exportPicture(kind: 'png' | 'svg', canvas: HTMLElement): Promise<void> {
  const svg = vectorSvg(readScene(canvas));
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const url = kind === 'svg' ? svgUrl(svg) : await rasterize(svg, 2);
  save(`netns-lab-${stamp}.${kind}`, url);
}
