// Exporting the graph as a picture, PNG or SVG, as it is drawn, in the theme on screen.
import { toPng, toSvg } from 'html-to-image';

function save(name: string, dataUrl: string): void {
  const a = document.createElement('a');
  a.href = dataUrl;
  a.download = name;
  a.click();
}

/**
 * The cables' colours come from stylesheets the picture does not carry:
 * write each one's computed paint onto it while the picture is taken.
 */
function inlineCablePaint(canvas: HTMLElement): () => void {
  const shapes = [...canvas.querySelectorAll<SVGElement>('.vue-flow__edges path, .vue-flow__edges rect, .vue-flow__edges text')];
  const before = shapes.map((shape) => shape.getAttribute('style'));
  for (const shape of shapes) {
    const computed = getComputedStyle(shape);
    for (const property of ['stroke', 'stroke-width', 'stroke-dasharray', 'fill', 'font-family', 'font-size']) {
      shape.style.setProperty(property, computed.getPropertyValue(property));
    }
  }
  return () =>
    shapes.forEach((shape, i) => {
      const style = before[i];
      if (style === null || style === undefined) shape.removeAttribute('style');
      else shape.setAttribute('style', style);
    });
}

/** The canvas element, without the minimap, the zoom buttons and the drag handles. */
export async function exportPicture(kind: 'png' | 'svg', canvas: HTMLElement): Promise<void> {
  const skip = ['vue-flow__minimap', 'vue-flow__controls', 'vue-flow__handle', 'vue-flow__panel', 'fold'];
  const options = {
    backgroundColor: getComputedStyle(document.body).getPropertyValue('--bg').trim() || '#ffffff',
    filter: (node: HTMLElement) => !skip.some((c) => node.classList?.contains(c)),
  };
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const restore = inlineCablePaint(canvas);
  try {
    const url = kind === 'png' ? await toPng(canvas, { ...options, pixelRatio: 2 }) : await toSvg(canvas, options);
    save(`netns-lab-${stamp}.${kind}`, url);
  } finally {
    restore();
  }
}
