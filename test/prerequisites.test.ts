// npm test's first step (scripts/prerequisites.mjs) on a machine without Chromium and redis-server, as a process:
// it must install them when it can do so without a question, and otherwise fail at once with the one command to
// run. Every path it checks and every program it runs is a stand-in in a temp folder: nothing is installed for real.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from './fixtures/cli.js';

const script = new URL('../scripts/prerequisites.mjs', import.meta.url).pathname;
let dir: string;
let bin: string;
let chromium: string;
let calls: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'swarmwire-prereq-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  chromium = join(dir, 'usr-bin-chromium');
  calls = join(dir, 'calls.log');
  writeFileSync(calls, '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeScript(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
/** A stand-in for `name`: it can be found and run, and does nothing. */
const present = (path: string): string => writeScript(path, 'exit 0');

/**
 * A stand-in apt-get that logs each call with its DEBIAN_FRONTEND, and on `install` "installs" what it is asked
 * for: chromium at the checked path, redis-server into the PATH folder. Exits `status` from install.
 */
function fakeApt(status = 0): string {
  return writeScript(join(dir, 'apt-get'), `echo "$DEBIAN_FRONTEND $*" >> ${calls}
[ "$1" = install ] || exit 0
[ ${status} = 0 ] || exit ${status}
for pkg in "$@"; do
  case "$pkg" in
    chromium) printf '#!/bin/sh\\n' > ${chromium}; chmod 755 ${chromium} ;;
    redis-server) printf '#!/bin/sh\\n' > ${bin}/redis-server; chmod 755 ${bin}/redis-server ;;
  esac
done`);
}

/** A stand-in sudo: `sudo -n …` runs the rest (passwordless) when `works`, else fails as sudo does without a password. */
function fakeSudo(works: boolean): void {
  writeScript(join(bin, 'sudo'), works ? `echo "sudo $*" >> ${calls}\n[ "$1" = -n ] && shift\nexec "$@"` : `echo "sudo: a password is required" >&2\nexit 1`);
}

function prerequisites(root: boolean, apt = join(dir, 'no-apt-get')) {
  return runCommand(process.execPath, [script], {
    env: { PATH: bin, SWARMWIRE_PREREQ_CHROMIUM: chromium, SWARMWIRE_PREREQ_APT: apt, SWARMWIRE_PREREQ_ROOT: root ? '1' : '0' },
    ms: 10_000,
  });
}
const aptCalls = (): string[] => readFileSync(calls, 'utf8').split('\n').filter(Boolean);

describe('scripts/prerequisites.mjs', () => {
  it('with both present: says where they are, exits 0, runs nothing', async () => {
    present(chromium);
    present(join(bin, 'redis-server'));
    const run = await prerequisites(false, fakeApt());
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`prerequisites: chromium (${chromium}), redis-server (${bin}/redis-server)\n`);
    expect(aptCalls()).toEqual([]);
  });

  it('as root with both missing: apt-get update, then one non-interactive install of both; exits 0', async () => {
    const run = await prerequisites(true, fakeApt());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(aptCalls()).toEqual(['noninteractive update', 'noninteractive install -y --no-install-recommends chromium redis-server']);
    expect(existsSync(chromium) && existsSync(join(bin, 'redis-server'))).toBe(true);
    expect(run.stdout).toMatch(/^prerequisites: chromium and redis-server missing: installing with \S+apt-get \(/);
    expect(run.stdout).toMatch(new RegExp(`prerequisites: chromium \\(${chromium}\\), redis-server \\(${bin}/redis-server\\)\n$`));
  });

  it('installs only what is missing', async () => {
    present(chromium);
    const run = await prerequisites(true, fakeApt());
    expect(run.code).toBe(0);
    expect(aptCalls()).toEqual(['noninteractive update', 'noninteractive install -y --no-install-recommends redis-server']);
  });

  it('not root, with passwordless sudo: installs through sudo -n', async () => {
    fakeSudo(true);
    const apt = fakeApt();
    const run = await prerequisites(false, apt);
    expect(run.code).toBe(0);
    expect(aptCalls()).toEqual([
      'sudo -n true',
      `sudo -n ${apt} update`, 'noninteractive update',
      `sudo -n ${apt} install -y --no-install-recommends chromium redis-server`, 'noninteractive install -y --no-install-recommends chromium redis-server',
    ]);
  });

  it.each([
    ['no sudo at all', false],
    ['sudo that wants a password', true],
  ])('not root, %s: fails at once with the command to run, installs nothing', async (_, withSudo) => {
    if (withSudo) fakeSudo(false);
    const run = await prerequisites(false, fakeApt());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('prerequisites: chromium and redis-server missing, and installing needs root:');
    expect(run.stderr).toContain('\nInstall with:\n  sudo apt-get install -y --no-install-recommends chromium redis-server\nthen run npm test again.\n');
    expect(aptCalls()).toEqual([]);
  });

  it('without apt-get (not Debian): fails at once with the Debian command', async () => {
    const run = await prerequisites(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no \S+no-apt-get \(not Debian\?\)/);
    expect(run.stderr).toContain('  sudo apt-get install -y --no-install-recommends chromium redis-server\n');
  });

  it('when apt-get fails: exits 1 naming the failed command and the command to run', async () => {
    const apt = fakeApt(100);
    const run = await prerequisites(true, apt);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`prerequisites: ${apt} install -y --no-install-recommends chromium redis-server failed (exit 100).\nInstall with:\n  sudo apt-get install`);
  });
});
