/** A port on 127.0.0.1 nothing listens on right now (the caller binds it soon after). */
import { createServer } from 'node:net';

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as { port: number }).port;
      s.close(() => resolve(bound));
    });
  });
}

/**
 * Any port the OS picks; with `below`, one under that bound instead (Temporal stores membership
 * ports in a SMALLINT column, and the OS picks ephemeral ports from 32768 up).
 */
export async function freePort(opts: { below?: number } = {}): Promise<number> {
  if (!opts.below) return (await tryListen(0))!;
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = 10_000 + Math.floor(Math.random() * (opts.below - 10_000));
    const port = await tryListen(candidate);
    if (port) return port;
  }
  throw new Error(`no free port below ${opts.below} after 100 tries`);
}
