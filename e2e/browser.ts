// Real Chromium for the e2e suite: Debian's build driven by playwright-core, headless, on a throwaway profile and
// HOME, so no state leaks between runs. Every context records what went wrong in its pages and their workers
// (console errors, uncaught exceptions, failed or 4xx/5xx requests): tests assert that list is empty, so a broken
// page fails loudly instead of merely timing out.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page, chromium } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, reproducible Chromium in a container: no sandbox (root), no GPU, no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Run without a window. Default: true. */
  headless?: boolean;
  /** Flags added after CHROMIUM_ARGS. Default: none. */
  args?: readonly string[];
  /** Deadline for the browser to start, in ms. Default: 60 000. */
  timeout?: number;
}

/** A running Chromium. close() ends the browser and deletes its HOME. */
export interface Chromium {
  readonly browser: Browser;
  /** A fresh context (its own cookies, caches, storage) whose problems are recorded. */
  newContext(options?: BrowserContextOptions): Promise<WatchedContext>;
  close(): Promise<void>;
}

/** A network response seen by a watched context. */
export interface SeenResponse {
  url: string;
  status: number;
  contentType: string;
}

/** A browser context that records problems and responses of all its pages (their dedicated workers included). */
export interface WatchedContext {
  readonly context: BrowserContext;
  /** Human-readable problems, in the order they happened. Empty when all went well. */
  readonly problems: readonly string[];
  /** Every response received, in order. */
  readonly responses: readonly SeenResponse[];
  /** Opens a new page at `url` and waits for its load event (deadline: `timeout` ms, default 30 000). */
  open(url: string, options?: { timeout?: number }): Promise<Page>;
  /** Throws an Error listing the problems, if there are any. */
  assertNoProblems(): void;
  /**
   * Awaits `work` for at most `timeout` ms (default 30 000; page.evaluate has no deadline of its own). When it
   * fails or runs out of time, the error message also lists the problems seen so far, which usually name the
   * cause (a 404, an uncaught exception) that a bare timeout or evaluate error hides.
   */
  explain<T>(work: Promise<T>, timeout?: number): Promise<T>;
  close(): Promise<void>;
}

/** Starts Debian's Chromium headless with CHROMIUM_ARGS and a temporary HOME and XDG directories. */
export async function launchChromium(options: Readonly<LaunchOptions> = {}): Promise<Chromium> {
  // Playwright gives the browser its own fresh profile (--user-data-dir) in the temp folder and deletes it on
  // close; HOME and the XDG dirs are ours, so nothing of the machine's user (or of an earlier run) is read.
  const home = mkdtempSync(join(tmpdir(), 'swarmwire-chromium-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
  };
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: options.headless ?? true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      env,
      timeout: options.timeout ?? 60_000,
    });
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  return {
    browser,
    newContext: async (contextOptions) => watchContext(await browser.newContext(contextOptions)),
    async close() {
      try {
        await browser.close();
      } finally {
        await exitOfProcessesNaming(home, 5_000);
        rmSync(home, { recursive: true, force: true, maxRetries: 3 });
      }
    },
  };
}

/**
 * Waits (at most `timeout` ms) until no process has `text` in its command line. Chromium's crash handler is not a
 * child of the browser, may outlive browser.close() briefly, and writes into HOME: deleting HOME before it exits
 * leaves a half-made folder behind. Linux only (/proc); elsewhere it returns at once.
 */
async function exitOfProcessesNaming(text: string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  const alive = () => {
    try {
      return readdirSync('/proc').some((pid) => {
        if (!/^\d+$/.test(pid)) return false;
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
        } catch {
          return false; // exited while we looked
        }
      });
    } catch {
      return false;
    }
  };
  while (alive() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
}

function watchContext(context: BrowserContext): WatchedContext {
  const problems: string[] = [];
  const responses: SeenResponse[] = [];
  const onConsole = (page: Page) => (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const source = message.location().url || page.url();
    problems.push(`console.error in ${source}: ${message.text()}`);
  };
  const watchPage = (page: Page) => {
    page.on('console', onConsole(page));
    page.on('pageerror', (error) => problems.push(`uncaught in page ${page.url()}: ${error.stack ?? error.message}`));
    page.on('crash', () => problems.push(`page crashed: ${page.url()}`));
    // No worker listeners needed: Chromium repeats a dedicated worker's console on its page, and an uncaught
    // worker error arrives as the page's 'pageerror' (checked with playwright-core 1.65 and Chromium 156).
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  context.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`));
  context.on('response', (response) => {
    const status = response.status();
    responses.push({ url: response.url(), status, contentType: response.headers()['content-type'] ?? '' });
    if (status >= 400) problems.push(`HTTP ${status} for ${response.url()}`);
  });
  return {
    context,
    problems,
    responses,
    async open(url, openOptions = {}) {
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load', timeout: openOptions.timeout ?? 30_000 });
      return page;
    },
    assertNoProblems() {
      if (problems.length > 0) throw new Error(`browser problems:\n  ${problems.join('\n  ')}`);
    },
    async explain(work, timeout = 30_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no result within ${timeout} ms`)), timeout);
      });
      try {
        return await Promise.race([work, deadline]);
      } catch (error) {
        if (problems.length === 0) throw error;
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nbrowser problems:\n  ${problems.join('\n  ')}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => context.close(),
  };
}
