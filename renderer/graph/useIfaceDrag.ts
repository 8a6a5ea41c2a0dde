// Picking up an interface port and dropping it on another namespace card.
// A plain pointer gesture: press, move past a few pixels, release over a card.
import { moveInterface } from '../actions';
import { useUi } from '../stores/ui';
import type { PortView } from '../model/graph';

const THRESHOLD_PX = 5;

/** The namespace card under a point, ignoring the drag ghost. */
function cardUnder(x: number, y: number): string | null {
  for (const el of document.elementsFromPoint(x, y)) {
    const card = el.closest<HTMLElement>('[data-testid="netns"]');
    if (card?.dataset.nsId) return card.dataset.nsId;
  }
  return null;
}

export function useIfaceDrag() {
  const ui = useUi();

  /** Starts tracking a press on a port: a click selects it, a drag moves it. */
  function press(event: PointerEvent, namespaceId: string, port: PortView): void {
    if (event.button !== 0) return;
    event.stopPropagation();
    const startX = event.clientX;
    const startY = event.clientY;
    let dragging = false;

    const cleanup = () => {
      window.removeEventListener('pointermove', move, true);
      window.removeEventListener('pointerup', up, true);
      window.removeEventListener('keydown', key, true);
    };
    const cancel = () => {
      cleanup();
      ui.drag = null;
    };
    const move = (ev: PointerEvent) => {
      if (!dragging) {
        if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < THRESHOLD_PX) return;
        if (!port.movable) {
          ui.toast('info', `${port.ifname} cannot change namespace`, port.kind === 'bridge' ? 'The kernel keeps bridges in the namespace they were made in.' : 'Loopback belongs to its namespace.');
          cancel();
          return;
        }
        dragging = true;
      }
      ev.preventDefault();
      const over = cardUnder(ev.clientX, ev.clientY);
      ui.drag = { namespaceId, ifname: port.ifname, x: ev.clientX, y: ev.clientY, overId: over && over !== namespaceId ? over : null };
    };
    const up = (ev: PointerEvent) => {
      cleanup();
      if (!dragging) {
        ui.selection = { type: 'iface', namespaceId, ifname: port.ifname };
        return;
      }
      const target = cardUnder(ev.clientX, ev.clientY);
      ui.drag = null;
      if (target && target !== namespaceId) void moveInterface(namespaceId, port.ifname, target);
    };
    const key = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape' && dragging) {
        ev.stopPropagation();
        cancel();
      }
    };
    window.addEventListener('pointermove', move, true);
    window.addEventListener('pointerup', up, true);
    window.addEventListener('keydown', key, true);
  }

  return { press };
}
