/** Every data-quality finding has one shape: how many, and a few examples to go and look at. */
export interface Finding<Sample> {
  count: number;
  samples: Sample[];
}

/** Examples per finding: enough to recognise the pattern, not a dump of the base. */
export const SAMPLES = 10;
