import { silent } from '../core/base/context.js';
import type { Context } from '../core/base/context.js';
import { checkup } from '../core/ops/doctor.js';
import type { Finding, Repair } from '../core/ops/doctor.js';
import { parseToolArg } from '../core/packaging/names.js';
import type { Cli } from './cli-types.js';

/** Version of `tpx doctor --json` output; bumped on any incompatible change (README documents it). */
export const DOCTOR_SCHEMA = 1;

interface Flags {
  fix?: boolean;
  json?: boolean;
  verify?: boolean;
}

export function register(cli: Cli): void {
  cli.program
    .command('doctor')
    .description('check tools and the tpx home from disk; --fix repairs what is safe (exit 1 if anything is wrong)')
    .argument('[name...]', 'check only these tools (default: every tool, and the home itself)')
    .option('--fix', 'repair what is safe: reinstall from the receipt, relink, remove orphans and stale locks')
    .option('--verify', "also check every installed file of each tool against its distributions' RECORD (changed, added, deleted)")
    .option('--json', `machine-readable output (schema ${DOCTOR_SCHEMA}, see README)`)
    .action((names: string[], flags: Flags) => cli.run((ctx) => doctor(ctx, names, flags)));
}

async function doctor(ctx: Context, names: string[], flags: Flags): Promise<number> {
  const keys = [...new Set(names.map(parseToolArg))];
  // With --json the document is the whole answer: a repair's progress would be noise on stderr.
  const { findings, fixed, failed, checked } = await checkup(flags.json ? silent(ctx) : ctx, keys, Boolean(flags.fix), {
    verify: Boolean(flags.verify),
  });
  if (flags.json) {
    const problems = findings.map((f) => ({ tool: f.tool, problem: f.problem, fix: f.repair?.kind ?? null, command: f.command }));
    ctx.out.result(JSON.stringify({ schema: DOCTOR_SCHEMA, ok: findings.length === 0, problems, fixed, failed }, null, 2));
    return findings.length > 0 ? 1 : 0;
  }
  const lines = [...fixed.map((l) => `fixed: ${l}`), ...failed.map((l) => `not fixed: ${l}`)];
  // What --verify found, only --verify finds again.
  const fixer = flags.verify ? 'tpx doctor --verify --fix' : 'tpx doctor --fix';
  for (const f of findings)
    lines.push(
      `${flags.fix ? 'not fixed: ' : ''}${f.tool ? `${f.tool}: ` : ''}${f.problem}`,
      `    fix: ${fixLine(f, Boolean(flags.fix), fixer)}`,
    );
  const fixable = findings.filter((f) => f.repair).length;
  if (findings.length === 0) lines.push(`no problems found (${checked} tool${checked === 1 ? '' : 's'} checked in ${ctx.paths.home})`);
  else if (!flags.fix)
    lines.push(
      `${findings.length} problem${findings.length === 1 ? '' : 's'} found; ${fixable > 0 ? `\`${fixer}\` repairs ${fixable === findings.length ? 'all of them' : `${fixable} of them`}` : 'see the fixes above'}`,
    );
  else lines.push(`${findings.length} problem${findings.length === 1 ? '' : 's'} left: see the fixes above`);
  ctx.out.result(lines.join('\n'));
  return findings.length > 0 ? 1 : 0;
}

/** How a finding gets fixed: what --fix would do (when it can), and the command that does it by hand. */
function fixLine(f: Finding, fixing: boolean, fixer: string): string {
  if (!f.repair || fixing) return f.command;
  return `\`${fixer}\` ${WHAT[f.repair.kind](f.repair)}${f.command.startsWith('tpx doctor') ? '' : ` (or: ${f.command})`}`;
}

const WHAT: { [K in Repair['kind']]: (r: Repair) => string } = {
  reinstall: () => 'reinstalls it from its receipt',
  relink: () => 'relinks its apps',
  restore: (r) => (r.kind === 'restore' ? `points it back at its generation ${r.gen} (${r.key} ${r.version})` : ''),
  collect: () => 'removes it',
  unlock: () => 'removes the lock',
  unlink: () => 'removes the link',
  remove: () => 'removes it',
};
