// npm test's first step: the programs the suites start that npm cannot install — Debian's Chromium (the browser
// suite drives /usr/bin/chromium) and redis-server (the Redis bridge's tests start a real one). When one is missing it
// is installed with apt-get if that can happen without a question (as root, or with passwordless sudo); otherwise
// this fails at once with the one command to run, instead of two suites failing minutes later at launch.
//
// Exit codes: 0 all present (or installed now), 1 missing and not installable from here.
//
// What it checks and runs can be pointed elsewhere (test/prerequisites.test.ts does, so nothing is installed for
// real): SWARMWIRE_PREREQ_CHROMIUM (default /usr/bin/chromium), PATH (for redis-server and sudo),
// SWARMWIRE_PREREQ_APT (default apt-get), SWARMWIRE_PREREQ_ROOT=1|0 (default: whether this process runs as root).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const env = process.env;
const CHROMIUM = env.SWARMWIRE_PREREQ_CHROMIUM || '/usr/bin/chromium';
const APT = env.SWARMWIRE_PREREQ_APT || 'apt-get';
const isRoot = env.SWARMWIRE_PREREQ_ROOT ? env.SWARMWIRE_PREREQ_ROOT === '1' : process.getuid?.() === 0;

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
/** The first `name` on PATH that can be run, or undefined. */
const onPath = (name) => (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(executable);

/** Debian package → how to tell it is there. */
const wanted = [
  { pkg: 'chromium', where: () => (executable(CHROMIUM) ? CHROMIUM : undefined), why: `the browser suite (e2e/) drives ${CHROMIUM}` },
  { pkg: 'redis-server', where: () => onPath('redis-server'), why: 'the Redis bridge tests start a real redis-server' },
];

const say = (line) => process.stdout.write(`prerequisites: ${line}\n`);
const fail = (lines) => {
  process.stderr.write(`prerequisites: ${lines.join('\n')}\n`);
  process.exit(1);
};

let missing = wanted.filter((w) => !w.where());
if (missing.length === 0) {
  say(wanted.map((w) => `${w.pkg} (${w.where()})`).join(', '));
  process.exit(0);
}

const names = missing.map((w) => w.pkg);
const install = ['install', '-y', '--no-install-recommends', ...names];
const command = `sudo apt-get ${install.join(' ')}`;
const why = missing.map((w) => `  ${w.pkg}: ${w.why}`);

const aptPath = APT.includes('/') ? (executable(APT) ? APT : undefined) : onPath(APT);
if (!aptPath) fail([`${names.join(' and ')} missing, and this machine has no ${APT} (not Debian?):`, ...why, 'On Debian or Ubuntu:', `  ${command}`]);
// apt-get with sudo -n (never a password prompt: CI and `npm test` have nobody to type it), or directly as root.
const sudoWorks = () => onPath('sudo') !== undefined && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env }).status === 0;
const runner = isRoot ? [] : sudoWorks() ? ['sudo', '-n'] : undefined;
if (!runner) fail([`${names.join(' and ')} missing, and installing needs root:`, ...why, 'Install with:', `  ${command}`, 'then run npm test again.']);

say(`${names.join(' and ')} missing: installing with ${[...runner, aptPath].join(' ')} (${why.map((w) => w.trim()).join('; ')})`);
const apt = (args) => {
  const [bin, ...rest] = [...runner, aptPath, ...args];
  const run = spawnSync(bin, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.error) fail([`cannot run ${bin}: ${run.error.message}`, 'Install with:', `  ${command}`]);
  if (run.status !== 0) fail([`${[bin, ...rest].join(' ')} failed (exit ${run.status}).`, 'Install with:', `  ${command}`]);
};
// A fresh image has no package lists: install would find nothing without an update.
apt(['update']);
apt(install);

missing = wanted.filter((w) => !w.where());
if (missing.length > 0) fail([`still missing after installing: ${missing.map((w) => w.pkg).join(', ')}`, ...missing.map((w) => `  ${w.pkg}: ${w.why}`)]);
say(wanted.map((w) => `${w.pkg} (${w.where()})`).join(', '));
