/**
 * FCM: the service account mints an OAuth token at its key's `token_uri`, as the channel does
 * (google-oauth.ts). Nothing is sent: FCM has no free call that would prove more.
 */
import { fcmConfigFromEnv, type FcmConfig } from './adapter';
import { fail, pass, warn, type CheckFn } from '../../../doctor/check';

const NAME = 'fcm';

export const fcmCheck: CheckFn = async (ctx) => {
  let config: FcmConfig | undefined;
  try {
    config = fcmConfigFromEnv(ctx.env);
  } catch (err) {
    // The adapter's messages never quote the key file.
    return [fail(NAME, (err as Error).message, 'set FCM_SERVICE_ACCOUNT_JSON to the service account key file (its JSON or its path) from Firebase › Project settings › Service accounts')];
  }
  if (!config) return [warn(NAME, 'FCM is not configured: push goes to the outbox', 'set FCM_SERVICE_ACCOUNT_JSON (and FCM_PROJECT_ID if the account is of another project) to send real push')];
  if (ctx.env.FCM_ACCESS_TOKEN) {
    return [pass(NAME, `project ${config.projectId}; FCM_ACCESS_TOKEN is used as it is (nothing to mint; meant for tests: a real token expires within an hour)`)];
  }
  try {
    await config.accessToken();
  } catch (err) {
    return [fail(NAME, `the service account could not get an OAuth token (${reason(err)})`, 'download a new key for the service account (Firebase › Project settings › Service accounts) and set FCM_SERVICE_ACCOUNT_JSON')];
  }
  return [pass(NAME, `project ${config.projectId}; the service account got an OAuth token`)];
};

/** What the token endpoint refused (invalid_grant…), or that the key does not sign; short, no secrets. */
function reason(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return message.split('\n')[0]!.slice(0, 160);
}
