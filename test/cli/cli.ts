// Running `edgemq` as a user does, for the CLI tool tests: the source through tsx in a child
// process, bounded waits, every child killed by its PID when the test ends.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Children, type Child } from '../helpers/child.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/** Starts `edgemq ARGS`; `input` is written to its stdin, which is then closed. */
export function cli(children: Children, args: string[], input?: string): Child {
  return children.spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    ...(input === undefined ? {} : { input }),
  });
}

/** Runs `edgemq ARGS` to completion (bounded). */
export async function run(args: string[], input?: string, timeoutMs = 20_000): Promise<Child> {
  const children = new Children();
  try {
    const child = cli(children, args, input);
    await child.wait(timeoutMs);
    return child;
  } finally {
    await children.killAll();
  }
}

/** Exit `code` and exactly one stderr line naming the tool and mentioning `mentions`. */
export function assertOneErrorLine(child: Child, code: number, mentions: RegExp): void {
  assert.equal(child.exit?.code, code, child.describe());
  const lines = child.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line expected: ${child.describe()}`);
  assert.match(lines[0]!, /^edgemq( \w+)?: /, child.describe());
  assert.match(lines[0]!, mentions, child.describe());
  assert.doesNotMatch(child.stderr, /\n\s+at /, 'no stack trace');
}

/** The non-empty lines of `text`. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** Waits until a `sub -v` child reports its subscription on stderr. */
export async function subscribed(child: Child, count = 1): Promise<void> {
  await child.waitUntil(
    (c) => (c.stderr.match(/ subscribed to /g) ?? []).length >= count,
    'subscribed line',
    15_000,
  );
}
