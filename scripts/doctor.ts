/**
 * `npm run doctor`: checks this host's configuration against the real services (see doctor/) and
 * prints a table; exit 1 when any check fails. Reads the same environment as `npm run api`.
 */
import { doctorContextFromEnv } from '../doctor/context';
import { providerChecks } from '../activities/channels';
import { exitCode, runDoctor } from '../doctor/run';
import { formatTable } from '../doctor/table';
import { parseCommandLine } from '../lib/cli';

parseCommandLine(
  `usage: npm run doctor
  Checks this host's configuration against the real services (Postgres migrations, Temporal namespace,
  search attributes and task queue, Resend and its DNS records, SMSC, FCM, the public URL) and prints
  pass / warn / fail with what to do. Exit 1 when a check fails, 0 otherwise. It takes no arguments:
  it reads the same environment as npm run api.`,
  {},
);

let opened: ReturnType<typeof doctorContextFromEnv>;
try {
  opened = doctorContextFromEnv(process.env);
} catch (err) {
  // An environment npm run api would refuse (loadConfig names the variable, never its value).
  console.error(`FAIL  config  ${(err as Error).message}`);
  process.exit(1);
}
const checks = await runDoctor(opened.ctx, providerChecks);
console.log(formatTable(checks, { colour: process.stdout.isTTY }));
await opened.close();
process.exit(exitCode(checks));
