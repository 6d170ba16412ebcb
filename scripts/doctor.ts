/**
 * `npm run doctor`: checks this host's configuration against the real services (see doctor/) and
 * prints a table; exit 1 when any check fails. Reads the same environment as `npm run api`.
 */
import { doctorContextFromEnv } from '../doctor/context';
import { exitCode, runDoctor } from '../doctor/run';
import { formatTable } from '../doctor/table';

let opened: ReturnType<typeof doctorContextFromEnv>;
try {
  opened = doctorContextFromEnv(process.env);
} catch (err) {
  // An environment npm run api would refuse (loadConfig names the variable, never its value).
  console.error(`FAIL  config  ${(err as Error).message}`);
  process.exit(1);
}
const checks = await runDoctor(opened.ctx);
console.log(formatTable(checks, { colour: process.stdout.isTTY }));
await opened.close();
process.exit(exitCode(checks));
