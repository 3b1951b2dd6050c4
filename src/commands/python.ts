import type { Command } from 'commander';
import type { Context } from '../core/base/context.js';
import { outcomeResult } from '../core/ops/outcome.js';
import { installPythons, prunePythons, pythonList, uninstallPython, upgradePythons } from '../core/ops/pythons.js';
import type { PythonEntry } from '../core/ops/pythons.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { printOutcome } from './shared/report.js';

/** Version of `tpx python list --json` output; bumped on any incompatible change (README documents it). */
export const PYTHON_LIST_SCHEMA = 1;

/** `tpx python …` and pipx's `tpx interpreter …` (the Pythons tpx manages: docs/architecture.md, "Pythons tpx manages"). */
export function register(cli: Cli): void {
  const python = cli.program
    .command('python')
    .description('list the Pythons on this machine; install, uninstall and upgrade the ones tpx manages');
  listCommand(cli, python, 'show every Python found here and the ones tpx downloaded, with the tools on each', false);
  python
    .command('install')
    .description('download standalone CPython builds (the newest patch release of VERSION) for tools to use')
    .argument('<version...>', 'e.g. 3.12 (its newest patch release) or 3.12.4')
    .action((versions: string[]) => cli.run((ctx) => install(ctx, versions)));
  python
    .command('uninstall')
    .description('remove a Python tpx downloaded (refused while a tool uses it)')
    .argument('<version>', 'e.g. 3.12 (every patch release tpx has of it) or 3.12.4')
    .action((version: string) => cli.run((ctx) => uninstall(ctx, version)));
  upgradeCommand(
    cli,
    python,
    'move each Python tpx manages to its newest patch release, and rebuild the tools on it (`tpx rollback` undoes one)',
  );

  const interpreter = cli.program.command('interpreter').description("pipx's names for `tpx python`: the Pythons tpx downloaded");
  listCommand(cli, interpreter, 'show the Pythons tpx downloaded, with the tools on each', true);
  interpreter
    .command('prune')
    .description('remove the Pythons tpx downloaded that no tool uses (nor the previous version `tpx rollback` keeps)')
    .action(() => cli.run((ctx) => prune(ctx)));
  upgradeCommand(cli, interpreter, 'the same as `tpx python upgrade`');
}

function listCommand(cli: Cli, parent: Command, description: string, managedOnly: boolean): void {
  parent
    .command('list')
    .description(description)
    .option('--json', `machine-readable output (schema ${PYTHON_LIST_SCHEMA}, see README)`)
    .action((flags: { json?: boolean }) => cli.run((ctx) => list(ctx, managedOnly, Boolean(flags.json))));
}

function upgradeCommand(cli: Cli, parent: Command, description: string): void {
  parent
    .command('upgrade')
    .description(description)
    .argument('[version...]', 'only these minor versions, e.g. 3.12')
    .addOption(jsonOption())
    .action((versions: string[]) => cli.change((ctx, results) => upgrade(ctx, results, versions)));
}

async function list(ctx: Context, managedOnly: boolean, json: boolean): Promise<number> {
  const pythons = await pythonList(ctx, managedOnly);
  if (json) {
    const entries = pythons.map((p) => ({ ...p, managed: p.managed !== null, dir: p.managed }));
    ctx.out.result(JSON.stringify({ schema: PYTHON_LIST_SCHEMA, pythons: entries }, null, 2));
    return 0;
  }
  if (pythons.length === 0) {
    ctx.out.info(managedOnly ? `tpx manages no Python (in ${ctx.paths.pythons})` : 'no Python 3 found');
    return 0;
  }
  const source = (p: PythonEntry) => `${p.source === 'tpx' ? 'tpx' : p.source}${p.isDefault ? ' (default)' : ''}`;
  const [vw, sw] = [Math.max(...pythons.map((p) => p.version.length)), Math.max(...pythons.map((p) => source(p).length))];
  const line = (p: PythonEntry) =>
    `${p.version.padEnd(vw)}  ${source(p).padEnd(sw)}  ${p.executable}${p.tools.length ? `  used by ${p.tools.join(', ')}` : ''}`;
  ctx.out.result(pythons.map(line).join('\n'));
  return 0;
}

async function install(ctx: Context, versions: string[]): Promise<number> {
  await installPythons(ctx, versions, ({ status, version, managed: m }) =>
    ctx.out.info(
      status === 'installed'
        ? `installed Python ${m.version} in ${m.dir}`
        : `Python ${version} is already installed: ${m.version} in ${m.dir} (\`tpx python upgrade\` moves it to the newest patch release)`,
    ),
  );
  return 0;
}

async function uninstall(ctx: Context, version: string): Promise<number> {
  for (const m of await uninstallPython(ctx, version)) ctx.out.info(`removed Python ${m.version} (${m.dir})`);
  return 0;
}

async function prune(ctx: Context): Promise<number> {
  const removed = await prunePythons(ctx);
  for (const m of removed) ctx.out.info(`removed Python ${m.version} (${m.dir}): no tool uses it`);
  if (removed.length === 0) ctx.out.info('every Python tpx downloaded is in use; nothing removed');
  return 0;
}

async function upgrade(ctx: Context, results: Results, versions: string[]): Promise<number> {
  const upgrades = await upgradePythons(ctx, versions, (o) => {
    printOutcome(ctx, o);
    results.add(outcomeResult(o));
  });
  if (upgrades.length === 0) ctx.out.info('tpx manages no Python: nothing to upgrade (`tpx python install VERSION` downloads one)');
  for (const u of upgrades) {
    const moved = u.tools.filter((o) => o.status !== 'failed').length;
    const what = u.downloaded ? `${u.from} → ${u.to}` : `${u.to} is the newest patch release`;
    ctx.out.info(`Python ${u.minor}: ${what}${moved ? `; ${moved} tool${moved > 1 ? 's' : ''} rebuilt on it` : ''}`);
  }
  return upgrades.some((u) => u.tools.some((o) => o.status === 'failed')) ? 1 : 0;
}
