/**
 * Which Chromium the browser tests launch. One on the machine wins: $CHROMIUM_PATH, then the usual Debian and
 * Google paths. Otherwise the headless Chromium packed in @sparticuz/chromium (a devDependency); set
 * CHROMIUM_PATH=@sparticuz/chromium to force that one.
 *
 * Why not just the package's executablePath(): it unpacks into os.tmpdir() (/tmp/chromium, /tmp/fonts, …) and takes
 * /tmp/chromium as ready once the file exists, while writing it in place. A second test file starting meanwhile
 * would launch a half-written binary, a run killed mid-unpack leaves a broken one for good, and a newer package
 * would reuse the old binary. So a child process unpacks it with TMPDIR pointed at a staging directory, which is
 * then renamed to /tmp/cascade-chromium-<version>: it appears whole or not at all, once. A lock directory makes a
 * parallel test file wait for that instead of unpacking too, unless the lock's owner has died.
 * Also unpacked and handed to the browser: the package's fonts (with no fonts on the machine, text is laid out at
 * zero height) and its NSS/NSPR/expat libraries from al2023.tar.br, which the binary links and a bare Debian lacks.
 * The package's recommended args are for AWS Lambda (--single-process, --disable-web-security, …): not needed here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const PACKAGE = '@sparticuz/chromium';

export async function findChromium(): Promise<{ executablePath: string; env?: Record<string, string> }> {
  const wanted = process.env.CHROMIUM_PATH || undefined;
  const installed = wanted ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync);
  if (installed && installed !== PACKAGE) return { executablePath: installed };
  const dir = await unpackOnce();
  const libraryPath = [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { executablePath: join(dir, 'chromium'), env: { ...env, FONTCONFIG_PATH: join(dir, 'fonts'), LD_LIBRARY_PATH: libraryPath } };
}

async function unpackOnce(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve(PACKAGE); // <package>/build/index.js
  const { version } = JSON.parse(await readFile(join(entry, '../../package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `cascade-chromium-${version}`);
  const lock = `${dir}.lock`;
  while (!existsSync(join(dir, 'chromium'))) {
    try {
      await mkdir(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (isStale(lock)) await rm(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      await writeFile(join(lock, 'owner'), String(process.pid));
      const staging = await mkdtemp(join(lock, 'unpack-'));
      const script = 'const { default: chromium, inflate } = await import(process.argv[1]);'
        + ' await chromium.executablePath(); await inflate(process.argv[2]);';
      await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(entry).href, join(entry, '../../bin/al2023.tar.br')],
        { env: { ...process.env, TMPDIR: staging } });
      // The package's fonts.conf names /tmp/fonts whatever TMPDIR is.
      const conf = join(staging, 'fonts', 'fonts.conf');
      await writeFile(conf, (await readFile(conf, 'utf8')).replaceAll('/tmp/fonts', join(dir, 'fonts')));
      await rm(dir, { recursive: true, force: true }); // a leftover without its binary
      await rename(staging, dir);
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

/** A lock left by a run killed mid-unpack: its owner process is gone, or it is over a minute old. */
function isStale(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > 60_000) return true;
    process.kill(Number(readFileSync(join(lock, 'owner'), 'utf8')), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
