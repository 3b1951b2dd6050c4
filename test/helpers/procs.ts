// The processes a test world started, found in /proc by a path of the world in their working
// directory, command line or environment: every child tpx starts inherits the world's HOME, TMPDIR
// and TPX_* (world.ts), so this finds pip even once tpx is gone and pip, which leads a process
// group of its own (src/core/base/proc.ts, spawnBuildChild), was handed to init.
// Linux only: where there is no /proc, nothing is found.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface Proc {
  pid: number;
  /** Its process group: equal to pid for a group leader (pip, a venv being made). */
  pgid: number;
  cwd: string;
  argv: string[];
}

function readOr(file: string, read: (f: string) => string): string | null {
  try {
    return read(file);
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
}

const text = (file: string) => readOr(file, (f) => readFileSync(f, 'utf8')) ?? '';
const list = (file: string) => text(file).split('\0').filter(Boolean);

/** Process `pid` if its cwd, argv or environment (read only when neither of those does) names a path `inside`. */
function procIf(pid: number, inside: (s: string) => boolean): Proc | null {
  const cwd = readOr(`/proc/${pid}/cwd`, readlinkSync) ?? '';
  const argv = list(`/proc/${pid}/cmdline`);
  if (!inside(cwd) && !argv.some(inside) && !list(`/proc/${pid}/environ`).some(inside)) return null;
  // After "pid (comm) ": state ppid pgrp …; comm may hold spaces and parentheses, hence the last ")".
  const stat = text(`/proc/${pid}/stat`);
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Ended (a zombie runs nothing and holds no directory), or gone meanwhile.
  if (stat === '' || state === 'Z' || state === 'X') return null;
  return { pid, pgid: Number(pgrp), cwd, argv };
}

/** The ids of all processes (none where there is no /proc). */
function allPids(): number[] {
  const names = readOr('/proc', (d) => readdirSync(d).join(' ')) ?? '';
  return names
    .split(' ')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Every live process other than this one whose cwd, argv or environment names `root` or a path in it. */
export function processesUnder(root: string): Proc[] {
  const inside = (s: string) => s.endsWith(root) || s.includes(`${root}/`) || s.includes(`${root} (deleted)`);
  return allPids()
    .filter((pid) => pid !== process.pid)
    .map((pid) => procIf(pid, inside))
    .filter((p) => p !== null);
}

/**
 * SIGKILLs every process under `root` and resolves once none is left (rejects after `timeoutMs`).
 * A group leader takes its whole group with it, so a child of pip that names nothing of the world
 * goes too; any other process only itself, as its group is the test runner's (tpx is started in it).
 */
export async function stopProcessesUnder(root: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let left = processesUnder(root); left.length > 0; left = processesUnder(root)) {
    if (Date.now() > deadline)
      throw new Error(`still running ${timeoutMs} ms after SIGKILL:\n${left.map((p) => `${p.pid} ${p.argv.join(' ')}`).join('\n')}`);
    for (const p of left) {
      try {
        process.kill(p.pgid === p.pid ? -p.pid : p.pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
    // Nothing signals the end of a process that is not our child (Node has no pidfd): look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
