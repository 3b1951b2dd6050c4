/**
 * The spinner, a bundle of its own (scripts/build.mjs): ora and its dependencies are ~115 KB that
 * only a command showing a spinner should parse (docs/architecture.md, "Start-up").
 */
import chalk from 'chalk';
import ora from 'ora';

/** Starts a spinner on stderr; `text` changes its text, `stop` ends it. `color` is ui.ts's decision, not chalk's own guess. */
export function startSpinner(text: string, color: boolean): { text(t: string): void; stop(): void } {
  // ora colours its frames through this chalk (one copy in the bundle): without setting its level it
  // would guess from stdout and the command line, ignoring --color and a stderr that is the terminal.
  chalk.level = color ? 1 : 0;
  const spinner = ora({ text, stream: process.stderr, color: color ? 'cyan' : false }).start();
  return {
    text: (t) => {
      spinner.text = t;
    },
    stop: () => spinner.stop(),
  };
}
