// The exported drawing: real shapes and text, a tight box, names escaped.
import { describe, expect, it } from 'vitest';
import { bounds, MARGIN, vectorSvg, type Scene } from '../../renderer/model/vector';

const palette = {
  bg: '#f4f6f9',
  card: '#fff',
  cardHead: '#eef2f8',
  cardRoot: '#e8f0ff',
  border: '#d9dee6',
  text: '#1c2430',
  muted: '#586473',
  accent: '#2458b8',
  ok: '#15703c',
  warn: '#8a5a00',
  idle: '#586473',
  cable: '#1f9d55',
  cableDown: '#9aa4b2',
};
const scene: Scene = {
  palette,
  cards: [
    {
      x: 0,
      y: 0,
      width: 280,
      height: 100,
      title: 'host',
      tag: "this lab's host",
      root: true,
      count: null,
      rows: [{ y: 40, height: 36, ifname: 'veth0', kind: 'veth', state: 'up', tone: 'ok', addresses: ['10.1.1.2/24'], indent: false }],
    },
    { x: 420, y: 0, width: 280, height: 100, title: 'a<b>&"c"', tag: null, root: false, count: null, rows: [] },
  ],
  cables: [{ d: 'M280,58 C329,58 371,58 420,58', live: false }],
};

describe('vectorSvg', () => {
  it('draws cards as rects, cables as paths and every word as text', () => {
    const svg = vectorSvg(scene);
    expect(svg).not.toMatch(/foreignObject/);
    expect(svg.match(/<rect /g)?.length).toBe(3);
    expect(svg.match(/<path d="M0,34 V10 /g)?.length).toBe(2);
    expect(svg).toMatch(/<path class="cable" d="M280,58 C329,58 371,58 420,58" fill="none" stroke="#9aa4b2" stroke-width="2" stroke-dasharray="6 4"\/>/);
    expect(svg).toMatch(/<text [^>]*>veth0<\/text>/);
    expect(svg).toMatch(/<text [^>]*>10\.1\.1\.2\/24<\/text>/);
    expect(svg).toMatch(/<text [^>]*>this lab&#39;s host<\/text>|<text [^>]*>this lab's host<\/text>/);
    expect(svg).toMatch(/>a&lt;b&gt;&amp;&quot;c&quot;</);
  });

  it('fits the drawing tightly, with the same margin on every side', () => {
    expect(bounds(scene)).toEqual({ x: -MARGIN, y: -MARGIN, width: 700 + 2 * MARGIN, height: 100 + 2 * MARGIN });
    expect(vectorSvg(scene)).toMatch(new RegExp(`viewBox="${-MARGIN} ${-MARGIN} ${700 + 2 * MARGIN} ${100 + 2 * MARGIN}"`));
  });
});
