// Cables drawn on a canvas, where a component per cable would cost too much:
// the overview's thousand, and the cables of a hub card while it is dragged.
import type { Edge } from '@vue-flow/core';
import type { CableView } from '../model/graph';

export interface CanvasBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A dragged card with at least this many cables has them drawn on a canvas until it is dropped: 200 still follow as SVG at 60 fps here. */
export const HUB_DRAG_FROM = 250;

const side = (handle: string | null | undefined) => (handle?.endsWith('l') ? 'l' : 'r');

/** Adds each cable to the path of its colour, from the side of the card its handle is on: one stroke per colour, however many cables. */
export function traceCables(edges: readonly Edge<CableView>[], boxOf: (id: string) => CanvasBox | undefined, paths: { live: Path2D; down: Path2D }): void {
  for (const edge of edges) {
    const a = boxOf(edge.source);
    const b = boxOf(edge.target);
    if (!a || !b) continue;
    const ax = side(edge.sourceHandle) === 'l' ? a.x : a.x + a.width;
    const bx = side(edge.targetHandle) === 'l' ? b.x : b.x + b.width;
    const ay = a.y + Math.min(a.height / 2, 40);
    const by = b.y + Math.min(b.height / 2, 40);
    const bend = Math.max(60, Math.abs(bx - ax) / 2) * (side(edge.sourceHandle) === 'l' ? -1 : 1);
    const path = edge.data?.live ? paths.live : paths.down;
    path.moveTo(ax, ay);
    path.bezierCurveTo(ax + bend, ay, bx + (side(edge.targetHandle) === 'l' ? -Math.abs(bend) : Math.abs(bend)), by, bx, by);
  }
}

/** Sizes a canvas to its box on screen and clears it; returns its 2D context in CSS pixels, or null. */
export function clearCanvas(el: HTMLCanvasElement | null): CanvasRenderingContext2D | null {
  const ctx = el?.getContext('2d');
  if (!el || !ctx) return null;
  const dpr = window.devicePixelRatio || 1;
  const width = Math.round(el.clientWidth * dpr);
  const height = Math.round(el.clientHeight * dpr);
  if (el.width !== width || el.height !== height) {
    el.width = width;
    el.height = height;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, el.width, el.height);
  return ctx;
}
