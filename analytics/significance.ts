/**
 * Is the difference between two conversion rates more than chance? The two-proportion z-test with
 * a pooled rate, two-sided; the normal distribution from simple-statistics.
 */
import { cumulativeStdNormalProbability } from 'simple-statistics';

export const SIGNIFICANCE_LEVEL = 0.05;

export interface ProportionTest {
  z: number;
  pValue: number;
  /** pValue below 0.05. */
  significant: boolean;
}

/** x1 of n1 against x2 of n2. With an empty group, or both all or nothing, there is nothing to tell: z 0, p 1. */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number): ProportionTest {
  if (n1 === 0 || n2 === 0) return { z: 0, pValue: 1, significant: false };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, pValue: 1, significant: false };
  const z = (x1 / n1 - x2 / n2) / se;
  const pValue = Math.min(1, 2 * (1 - cumulativeStdNormalProbability(Math.abs(z))));
  return { z, pValue, significant: pValue < SIGNIFICANCE_LEVEL };
}
