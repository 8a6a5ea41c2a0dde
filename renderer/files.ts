// Saving and opening labs as files, exporting scripts, and starting over: each
// change goes through the same RPC calls as the buttons, so all show in the log.
import { namespaceLabel } from '../shared/model';
import { fromTopology, parseTopologyFile, planOf, scriptOf, toYaml, TopologyFileError } from '../shared/topology-file';
import { request } from './request';
import { useTopology } from './stores/topology';
import { useUi } from './stores/ui';

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const stamp = () => new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');

export function saveTopology(): void {
  const topology = useTopology();
  download(`netns-lab-${stamp()}.yaml`, toYaml(fromTopology({ namespaces: topology.namespaces })), 'application/yaml');
}

export function exportScript(): void {
  const topology = useTopology();
  download(`netns-lab-${stamp()}.sh`, scriptOf(fromTopology({ namespaces: topology.namespaces })), 'text/x-shellscript');
}

/** Removes every named namespace and every interface of the host but lo: a lab as it starts. */
export async function resetLab(): Promise<boolean> {
  const topology = useTopology();
  for (const ns of topology.namespaces.filter((n) => !n.root)) {
    const ok = await request('netns.delete', { namespaceId: ns.id }, `Could not remove ${namespaceLabel(ns)}`);
    if (!ok) return false;
  }
  const hostLinks = (topology.root?.links ?? []).filter((l) => l.kind !== 'loopback');
  for (const link of hostLinks) {
    // Deleting a veth takes its peer too: skip ends already gone.
    if (!topology.root?.links.some((l) => l.ifname === link.ifname)) continue;
    const ok = await request('link.delete', { ifname: link.ifname }, `Could not remove ${link.ifname}`);
    if (!ok) return false;
  }
  // The empty lab is laid out afresh and brought into view: what is built next starts there, not at the old lab's places and zoom.
  useUi().arrangeRequests++;
  return true;
}

/** Reads a topology file, empties the lab and builds the file's topology step by step. */
export async function openTopology(file: File): Promise<void> {
  const ui = useUi();
  let parsed;
  try {
    parsed = parseTopologyFile(await file.text());
  } catch (error) {
    ui.toast('error', `${file.name} is not a topology file`, error instanceof TopologyFileError ? error.message : String(error), 15000);
    return;
  }
  const plan = planOf(parsed);
  ui.ask(`Open ${file.name}?`, `The lab is emptied first, then ${plan.length} steps build the file's topology; each shows in the command log.`, 'Replace the lab', async () => {
    if (!(await resetLab())) return;
    for (const [i, step] of plan.entries()) {
      const done = await request(step.method, step.params, `Step ${i + 1} of ${plan.length} failed (${step.method})`);
      if (done === undefined) return;
    }
    ui.arrangeRequests++;
    ui.toast('success', `Opened ${file.name}`, `${plan.length} steps, all done.`);
  });
}
