/** GET /v1/doctor (doctor/). */
import { z } from 'zod';

export const doctorAnswer = z.object({
  ok: z.boolean().meta({ description: 'False when any check fails' }),
  checks: z.array(z.object({ name: z.string(), status: z.enum(['pass', 'warn', 'fail']), detail: z.string(), fix: z.string() })),
});
