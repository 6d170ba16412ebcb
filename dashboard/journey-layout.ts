/**
 * Where each step of a journey's graph goes in its drawing: layers by depth from the start (the
 * longest way in, so every edge points down), the steps of a layer side by side, centred.
 */
import type { JourneyStep } from '../workflows/contract';

export const NODE = { width: 240, height: 92 } as const;
const GAP = { x: 36, y: 52 } as const;
const PAD = 16;

export interface Placed {
  step: JourneyStep;
  x: number;
  y: number;
}

export interface Layout {
  nodes: Map<string, Placed>;
  width: number;
  height: number;
}

function depths(steps: JourneyStep[], start: string | null): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  // The graph is acyclic (a send is once per run): a step goes below the deepest step that leads to it.
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    for (const n of byId.get(id)!.next) visit(n);
    order.push(id);
  };
  if (start) visit(start);
  for (const s of steps) visit(s.id);
  for (const id of order.reverse()) {
    const d = depth.get(id) ?? 0;
    depth.set(id, d);
    for (const n of byId.get(id)!.next) depth.set(n, Math.max(depth.get(n) ?? 0, d + 1));
  }
  return depth;
}

export function layoutGraph(steps: JourneyStep[], start: string | null): Layout {
  const depth = depths(steps, start);
  const layers: JourneyStep[][] = [];
  for (const s of steps) (layers[depth.get(s.id)!] ??= []).push(s);
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = PAD * 2 + widest * NODE.width + (widest - 1) * GAP.x;
  const nodes = new Map<string, Placed>();
  layers.forEach((layer, i) => {
    const rowWidth = layer.length * NODE.width + (layer.length - 1) * GAP.x;
    layer.forEach((step, k) => nodes.set(step.id, { step, x: (width - rowWidth) / 2 + k * (NODE.width + GAP.x), y: PAD + i * (NODE.height + GAP.y) }));
  });
  return { nodes, width, height: PAD * 2 + Math.max(1, layers.length) * NODE.height + Math.max(0, layers.length - 1) * GAP.y };
}
