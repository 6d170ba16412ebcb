/**
 * The paths of a dry run, merged into one step graph. The paths first form a tree (a path's calls
 * in order, branching where a decision took another outcome); then equal subtrees fold into one
 * node, bottom up: two calls are one step when they are the same call and lead to the same steps
 * the same way (so both variants of welcome's subject test flow into one chain), and a send is one
 * step per step id wherever it stands. Steps other than sends are numbered per kind in the order a
 * walk from the start meets them (`sleep-1`, `wait-1`…): a loop's turns are steps of their own.
 */
import type { JourneyGraph, JourneyStep } from '../workflows/contract';
import type { StepCall, Visit } from './dry-run-context';

interface TreeNode {
  call: StepCall;
  /** By outcome: the next call, or null where the run ends. */
  children: Map<number, TreeNode | null>;
}

interface Merged {
  call: StepCall;
  /** By outcome: the next steps' signatures (a send may go on differently after different decisions before it). */
  next: Map<number, Set<string | null>>;
}

const sameCall = (a: StepCall, b: StepCall) => JSON.stringify(a) === JSON.stringify(b);

function buildTree(journey: string, paths: Visit[][]): TreeNode {
  const root: TreeNode = { call: { kind: 'sleep' }, children: new Map() };
  const differs = () => new Error(`journey ${journey}: its body took different steps on the same choices; it must decide only through j (a dry run draws its graph)`);
  for (const path of paths) {
    let parent = root;
    let outcome = 0;
    for (const { call, outcome: taken } of path) {
      let child = parent.children.get(outcome);
      if (child === undefined) parent.children.set(outcome, (child = { call, children: new Map() }));
      else if (child === null || !sameCall(child.call, call)) throw differs();
      parent = child;
      outcome = taken;
    }
    const end = parent.children.get(outcome);
    if (end === undefined) parent.children.set(outcome, null);
    else if (end !== null) throw differs();
  }
  return root;
}

export function mergePaths(journey: string, paths: Visit[][]): JourneyGraph {
  const root = buildTree(journey, paths);
  const merged = new Map<string, Merged>();
  const signatureOf = (node: TreeNode): string => {
    const children = [...node.children.entries()].sort(([a], [b]) => a - b);
    const nextSigs = children.map(([, c]) => (c ? signatureOf(c) : null));
    const { call } = node;
    const sig = call.kind === 'send' ? `send:${call.step}` : JSON.stringify([call, nextSigs]);
    const entry = merged.get(sig) ?? { call, next: new Map() };
    children.forEach(([outcome], i) => entry.next.set(outcome, (entry.next.get(outcome) ?? new Set()).add(nextSigs[i]!)));
    merged.set(sig, entry);
    return sig;
  };
  const first = root.children.get(0);
  const start = first ? signatureOf(first) : null;

  // Ids in the order a walk from the start meets the steps, outcomes in order.
  const ids = new Map<string, string>();
  const perKind = new Map<string, number>();
  const order: string[] = [];
  const visit = (sig: string) => {
    if (ids.has(sig)) return;
    const { call, next } = merged.get(sig)!;
    const n = (perKind.get(call.kind) ?? 0) + 1;
    perKind.set(call.kind, n);
    ids.set(sig, call.kind === 'send' ? call.step! : `${call.kind}-${n}`);
    order.push(sig);
    for (const [, targets] of [...next.entries()].sort(([a], [b]) => a - b)) for (const t of targets) if (t) visit(t);
  };
  if (start) visit(start);
  const taken = new Set<string>();
  for (const id of ids.values()) {
    if (taken.has(id)) throw new Error(`journey ${journey}: step id "${id}" names two steps of its graph`);
    taken.add(id);
  }

  const steps = order.map((sig): JourneyStep => {
    const { call, next } = merged.get(sig)!;
    const byOutcome = [...next.entries()].sort(([a], [b]) => a - b);
    const successors = [...new Set(byOutcome.flatMap(([, targets]) => [...targets].flatMap((t) => (t ? [ids.get(t)!] : []))))];
    return {
      id: ids.get(sig)!,
      kind: call.kind,
      ...(call.channel ? { channel: call.channel } : {}),
      ...(call.channels ? { channels: call.channels } : {}),
      ...(call.template ? { template: call.template } : {}),
      ...(call.label ? { label: call.label } : {}),
      next: successors,
      ...(call.outcomes
        ? { outcomes: byOutcome.map(([o, targets]) => ({ label: call.outcomes![o]!, next: [...targets][0] ? ids.get([...targets][0]!)! : null })) }
        : {}),
    };
  });
  return { start: start ? ids.get(start)! : null, steps };
}
