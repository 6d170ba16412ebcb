/**
 * SMSC: the credentials work from this server's IP, asked with `balance.php`, which costs nothing
 * (a send with `cost=1` would be refused after five identical ones a minute). SMSC answers error 2
 * alike for a bad login and for an IP missing from the account's allow-list.
 */
import { SmscApi, smscConfigFromEnv } from './adapter';
import { fail, pass, warn, type CheckFn } from '../../../doctor/check';

const NAME = 'smsc';
/** Below this (in the account's currency) sends may soon stop with error 3. */
export const LOW_BALANCE = 100;

export const smscCheck: CheckFn = async (ctx) => {
  const config = smscConfigFromEnv(ctx.env);
  if (!config) return [warn(NAME, 'SMSC is not configured: SMS goes to the outbox', 'set SMSC_LOGIN and SMSC_PASSWORD (or SMSC_API_KEY) to send real SMS')];
  let answer: Awaited<ReturnType<SmscApi['balance']>>;
  try {
    answer = await new SmscApi({ ...config, timeoutMs: Math.min(config.timeoutMs, ctx.timeoutMs - 250) }).balance();
  } catch (err) {
    return [fail(NAME, `could not check: ${(err as Error).message}`, 'see that SMSC_BASE_URL (if set) is right and smsc.ru is reachable from this host')];
  }
  if ('errorCode' in answer) {
    switch (answer.errorCode) {
      case 2:
        return [fail(NAME, "SMSC error 2: bad login or this server's IP is not on SMSC's allow-list", "check SMSC_LOGIN/SMSC_PASSWORD (or SMSC_API_KEY), and add this server's public IP in SMSC's settings (smsc.ru › Settings › IP addresses)")];
      case 4:
        return [fail(NAME, "SMSC error 4: this server's IP is blocked for a while after too many erroneous requests", 'fix the credentials first, wait a few minutes, then run the doctor again')];
      case 9:
        return [warn(NAME, 'could not check: SMSC error 9 (too many requests)', 'run the doctor again in a minute')];
      default:
        return [fail(NAME, `SMSC error ${answer.errorCode}: ${answer.error}`, 'see smsc.ru/api/http for this error code')];
    }
  }
  const amount = `${answer.balance}${answer.currency ? ` ${answer.currency}` : ''}`;
  if (answer.balance < LOW_BALANCE) {
    return [warn(NAME, `credentials and IP accepted; balance ${amount} is low (under ${LOW_BALANCE})`, 'top up the SMSC account: at zero every SMS fails with error 3')];
  }
  return [pass(NAME, `credentials and IP accepted; balance ${amount}`)];
};
