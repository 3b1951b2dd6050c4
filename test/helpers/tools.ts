// Small readers and fault injectors for installed tools, shared by the integration tests.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellWord } from '../../src/core/request/args.js';
import type { RunResult, World } from './world.js';

export const receiptFile = (w: World, key: string): string => join(w.tpxHome, 'tools', key, 'tpx.json');
export const receipt = (w: World, key: string): any => JSON.parse(readFileSync(receiptFile(w, key), 'utf8'));

/** The venv's python link now dangles, as after its base interpreter was removed. */
export function removePython(w: World, key: string): void {
  const py = join(w.tpxHome, 'tools', key, 'bin', 'python');
  rmSync(py);
  symlinkSync(join(w.root, 'gone', 'python3'), py);
}

/**
 * PYTHONPATH and PYTHONHOME as a shell set up for another Python might have them: a `helperlib`
 * module that fails when imported, and a home with no Python in it.
 */
export function foreignPythonEnv(w: World): { PYTHONPATH: string; PYTHONHOME: string } {
  const shadow = join(w.root, 'shadow');
  mkdirSync(shadow, { recursive: true });
  writeFileSync(join(shadow, 'helperlib.py'), 'raise SystemExit("the shadowing helperlib was imported")\n');
  return { PYTHONPATH: shadow, PYTHONHOME: join(w.root, 'no-python-here') };
}

/** Output with what differs between machines and runs replaced: the world's root, Python's version (and minor version), log names, pip's own words. */
export function scrub(w: World, text: string): string {
  return text
    .split(w.root)
    .join('<root>')
    .split(w.index.url)
    .join('<index>')
    .replace(/Python \d+\.\d+\.\d+/g, 'Python <version>')
    .replace(/on Python \d+\.\d+ as before/g, 'on Python <minor> as before')
    .replace(/\(\/[^()]*\/python[0-9.]*\)/g, '(<python>)')
    .replace(/logs\/[^\s]+\.log/g, 'logs/<log>')
    .replace(/^ {2}\| .*(\n {2}\| .*)*/gm, '  | <pip output>');
}

/**
 * A command and what it printed, as a snapshot shows it: the command line and exit code, then stdout
 * and stderr (each only if something was printed), scrubbed.
 */
export function transcript(w: World, args: string[], r: RunResult): string {
  const stream = (name: string, text: string) =>
    text ? `--- ${name}\n${scrub(w, text)}${text.endsWith('\n') ? '' : '\n(no newline at the end)\n'}` : '';
  return `$ ${['tpx', ...args].map(shellWord).join(' ')}  → exit ${r.code}\n${stream('stdout', r.stdout)}${stream('stderr', r.stderr)}`;
}

/** Runs each command line in turn (they may change the world), and gives their transcripts as one text. */
export async function transcripts(w: World, commands: string[][]): Promise<string> {
  const shown: string[] = [];
  for (const args of commands) shown.push(transcript(w, args, await w.run(args)));
  return shown.join('\n');
}
