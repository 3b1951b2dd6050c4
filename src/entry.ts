/**
 * The executable's entry point. `tpx --version` is answered before anything else is loaded (it is
 * held to within 1.3× of `node -e 0`); everything else loads the CLI, a separate chunk of the bundle.
 */
declare const TPX_VERSION: string;

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${TPX_VERSION}\n`);
} else {
  const { main } = await import('./cli.js');
  await main(argv);
}
