/** Reading Prometheus text exposition the way a scraper would: shape checks and one sample's value. */
import { expect } from 'vitest';

// Values as Prometheus parses them (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.]+(?:e[+-]?\d+)?|nan|[+-]?inf)( -?\d+)?$/i;

/** Every line is a HELP, a TYPE or a sample, and every sample belongs to a family announced by a TYPE line. */
export function expectValidExposition(text: string): void {
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      families.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = SAMPLE.exec(line);
    expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
    const name = m![1]!;
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => families.has(n));
    expect(family, `sample ${name} has no # TYPE line before it`).toBeDefined();
  }
}

/** The value of `name{labels}` (labels matched exactly, in any order); 0 when the series is not there yet. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').replace(/^\{|\}$/g, '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return 0;
}
