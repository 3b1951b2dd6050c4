import { InvalidArgumentError, Option } from 'commander';
import type { Context } from '../core/base/context.js';
import { SETTING_NAMES, describeEnvironment, settingChoices, settingNamed } from '../core/shell/environment.js';
import type { Cli } from './cli-types.js';

/** Version of `tpx environment --json`; bumped on any incompatible change (README documents it). */
export const ENVIRONMENT_SCHEMA = 1;

export function register(cli: Cli): void {
  cli.program
    .command('environment')
    .description('show every directory and setting tpx uses, and where each came from (a variable or the default)')
    .addOption(
      new Option('--value <name>', 'print only this value, bare (for scripts); the variable that sets it names it too (TPX_HOME)')
        .choices(SETTING_NAMES)
        .argParser(valueName),
    )
    .option('--json', `machine-readable output (schema ${ENVIRONMENT_SCHEMA}, see README)`)
    .action((flags: { value?: string; json?: boolean }) => cli.run(async (ctx) => environment(ctx, flags)));
}

/** `--value`: a setting's name, or its variable's (`TPX_BIN_DIR`), in any case; the choices listed are the names. */
function valueName(text: string): string {
  const name = settingNamed(text);
  if (name === null) throw new InvalidArgumentError(`Allowed choices are ${settingChoices()}.`);
  return name;
}

function environment(ctx: Context, flags: { value?: string; json?: boolean }): void {
  const settings = describeEnvironment(ctx.paths, ctx.env, ctx.platform);
  if (flags.value !== undefined) return void ctx.out.result(settings.find((s) => s.name === flags.value)?.value ?? '');
  if (flags.json) {
    const byName = Object.fromEntries(settings.map(({ name, ...rest }) => [name, rest]));
    return void ctx.out.result(JSON.stringify({ schema: ENVIRONMENT_SCHEMA, environment: byName }, null, 2));
  }
  const width = (pick: (s: (typeof settings)[number]) => string) => Math.max(...settings.map((s) => pick(s).length));
  const [n, v] = [width((s) => s.name), width((s) => s.value)];
  const source = (s: (typeof settings)[number]) =>
    s.variables.includes(s.source) || s.variables.length === 0 ? s.source : `${s.source} (set ${s.variables.join(' or ')} to change)`;
  ctx.out.result(settings.map((s) => `${s.name.padEnd(n)}  ${s.value.padEnd(v)}  ${source(s)}`).join('\n'));
}
