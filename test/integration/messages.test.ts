// What users read, as snapshots: `tpx list` and the main errors (the upgrade-all summary is in
// upgrade.test.ts). A change of wording shows up here, in review. Temp paths, the Python version and
// log names are replaced by placeholders (scrub), so the snapshots are the same on every machine.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removePython, scrub } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

describe('what users read', () => {
  it('tpx list, with a broken tool', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp', 'guitool'])).code).toBe(0);
    expect((await world.run(['pin', 'oneapp'])).code).toBe(0);
    removePython(world, 'guitool');
    const r = await world.run(['list']);
    expect(r.code).toBe(1);
    expect(scrub(world, r.stdout)).toMatchInlineSnapshot(`
      "guitool 1.0 (Python <version>)  BROKEN
          guitool
          ! its Python is gone (<python>)
          fix: tpx reinstall guitool  (or: tpx uninstall guitool)
      oneapp 1.0 (Python <version>) [pinned]
          oneapp-cli
      tpxdemo 1.0 (Python <version>)
          tpxdemo
          tpxdemo-admin
      "
    `);
    expect(scrub(world, (await world.run(['list', '--short'])).stdout)).toMatchInlineSnapshot(`
      "guitool 1.0 (broken)
      oneapp 1.0
      tpxdemo 1.0
      "
    `);
  });

  it('the main errors', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'clash-a'])).code).toBe(0);
    // A project whose only file is for another platform: pip finds "no version" of it, as of no project at all.
    copyFileSync(join(world.indexDir, 'oneapp-1.0-py3-none-any.whl'), join(world.indexDir, 'otherplat-1.0-py3-none-win_arm64.whl'));
    const errors: string[] = [];
    for (const args of [
      ['upgrade', 'nope'],
      ['uninstall', 'nope'],
      ['install', 'tpxdemo=='],
      ['install', './missing-project'],
      ['install', 'no-such-package-tpx'],
      ['install', 'noapps'],
      ['install', 'libonly'],
      ['install', 'clash-b'],
      ['install', '--suffix', '/x', 'tpxdemo'],
      ['install', '--pip-args', '"--pre', 'tpxdemo'],
      ['inject', 'tpxdemo', 'tpxdemo==2.0'],
      ['uninject', 'tpxdemo', 'helperlib'],
      ['run', 'multiapp'],
      ['run', 'tpxdemo[='],
      ['run', '--no-cache', '--refresh', 'tpxdemo'],
      ['upgrade-all', '--jobs', '0'],
      ['upgrade', 'https://h/x-1.0.tar.gz'],
      ['list', '--json', '--short'],
      ['list', '--outdated', '--pinned'],
      ['completions'],
      ['install', 'tpxdemo==2.0'],
      ['install', 'tpxdemo>=1'],
      ['install', 'tpxdmeo'],
      ['install', 'brokendep'],
      ['install', 'otherplat'],
      ['upgrade', 'tpxdmeo'],
      ['upgrade', 'nosuchtool-tpx'],
      ['uninstall', 'tpxdmeo'],
    ]) {
      const r = await world.run(args);
      errors.push(`$ tpx ${args.join(' ')}  → exit ${r.code}\n${scrub(world, r.stderr)}${r.code === 0 ? scrub(world, r.stdout) : ''}`);
    }
    expect(errors.join('\n')).toMatchInlineSnapshot(`
      "$ tpx upgrade nope  → exit 1
      error: nope is not installed
      hint: no package "nope" is on the index <index> either; installed tools: clash-a, tpxdemo

      $ tpx uninstall nope  → exit 1
      error: nope is not installed
      hint: installed tools: clash-a, tpxdemo

      $ tpx install tpxdemo==  → exit 1
      error: invalid package spec "tpxdemo==": it is not a valid requirement
      hint: use a name with an optional version, e.g. \`black\`, \`black==22.12.0\` or 'black[d]>=22', a path, or a URL

      $ tpx install ./missing-project  → exit 1
      error: ./missing-project: no such file or directory
      hint: give the path of a project directory, a .whl or an sdist; or a package name like \`black\`

      $ tpx install no-such-package-tpx  → exit 1
      installing no-such-package-tpx…
      error: pip could not install no-such-package-tpx
        | <pip output>
      hint: no package "no-such-package-tpx" is on the index <index>: check the name, or pass --index-url
      hint: full log: <root>/cache/tpx/logs/<log>

      $ tpx install noapps  → exit 1
      installing noapps…
      error: noapps 1.0 has no apps to link
      hint: its dependencies have apps: helperlib-cli (from helperlib); link them with --include-resources-from helperlib, or all of them with --include-deps

      $ tpx install libonly  → exit 1
      installing libonly…
      error: libonly 1.0 has no apps to link
      hint: it is a library, not a command-line tool; nothing was installed
      hint: to add it to an installed tool's environment: \`tpx inject TOOL libonly\`

      $ tpx install clash-b  → exit 1
      installing clash-b…
      error: a file is in the way: <root>/bin/clash (an app of tpx tool clash-a)
      hint: nothing was changed; pass --force to replace them, or --suffix to install under other names

      $ tpx install --suffix /x tpxdemo  → exit 2
      error: invalid suffix "/x"
      hint: a suffix may contain letters, digits and . _ - + @, e.g. --suffix @1.0 or --suffix -dev

      $ tpx install --pip-args "--pre tpxdemo  → exit 2
      error: unterminated " in --pip-args
      hint: quote the whole value: --pip-args='--no-binary :all:'

      $ tpx inject tpxdemo tpxdemo==2.0  → exit 1
      error: tpxdemo==2.0 is tpxdemo's own package; it cannot be injected into itself
      hint: to change its version, use \`tpx upgrade tpxdemo==2.0\`; to add one of its extras, \`tpx inject tpxdemo 'tpxdemo[EXTRA]'\`

      $ tpx uninject tpxdemo helperlib  → exit 1
      error: helperlib is not injected into tpxdemo
      hint: nothing is injected into tpxdemo

      $ tpx run multiapp  → exit 1
      installing multiapp…
      error: multiapp 1.0 has no app named multiapp
      hint: its apps: multi-a, multi-b; run one with \`tpx run --spec multiapp multi-a\`

      $ tpx run tpxdemo[=  → exit 2
      error: "tpxdemo[=" is not an app name or a package spec
      hint: name an app (\`tpx run black\`), a spec (\`tpx run black==22.12.0\`, \`tpx run 'black[d]'\`), a project directory, a URL, or a script ending in .py

      $ tpx run --no-cache --refresh tpxdemo  → exit 2
      error: --no-cache and --refresh cannot be used together
      hint: --no-cache always builds a fresh environment; --refresh rebuilds the cached one

      $ tpx upgrade-all --jobs 0  → exit 2
      error: --jobs must be a whole number ≥ 1, not "0"

      $ tpx upgrade https://h/x-1.0.tar.gz  → exit 1
      error: upgrade takes a tool's name or a requirement, not a URL: https://h/x-1.0.tar.gz
      hint: to install a tool again from a path or URL, run \`tpx install --force https://h/x-1.0.tar.gz\`

      $ tpx list --json --short  → exit 2
      error: option '--short' cannot be used with option '--json'
      (run \`tpx --help\` or \`tpx <command> --help\` for usage)

      $ tpx list --outdated --pinned  → exit 2
      error: option '--pinned' cannot be used with option '--outdated'
      (run \`tpx --help\` or \`tpx <command> --help\` for usage)

      $ tpx completions  → exit 0
      To complete tpx's commands, options and installed tool names, add one line for your shell:

        bash        to ~/.bashrc                     eval "$(tpx completions bash)"
        zsh         to ~/.zshrc, after compinit      eval "$(tpx completions zsh)"
        fish        run once in a terminal           tpx completions fish > ~/.config/fish/completions/tpx.fish
        powershell  to $PROFILE                      tpx completions powershell | Out-String | Invoke-Expression

      then start a new shell.

      $ tpx install tpxdemo==2.0  → exit 0
      warning: tpxdemo 1.0 is installed, not tpxdemo==2.0 as asked: nothing was changed
      hint: to switch to it: \`tpx install --force tpxdemo==2.0\`; to keep both: \`tpx install --suffix @2 tpxdemo==2.0\`

      $ tpx install tpxdemo>=1  → exit 0
      tpxdemo is already installed (1.0)
      hint: upgrade it with \`tpx upgrade tpxdemo\`, or reinstall it with \`tpx install --force tpxdemo\`

      $ tpx install tpxdmeo  → exit 1
      installing tpxdmeo…
      error: pip could not install tpxdmeo
        | <pip output>
      hint: no package "tpxdmeo" is on the index <index>; it has tpxdemo: check the name
      hint: full log: <root>/cache/tpx/logs/<log>

      $ tpx install brokendep  → exit 1
      installing brokendep…
      error: pip could not install brokendep
        | <pip output>
      hint: brokendep needs does-not-exist-tpx, which was not found on the index: a dependency of brokendep, missing from the index (or pass --index-url)
      hint: full log: <root>/cache/tpx/logs/<log>

      $ tpx install otherplat  → exit 1
      installing otherplat…
      error: pip could not install otherplat
        | <pip output>
      hint: otherplat is on the index, but none of its files installs on Python <version> here (otherplat-1.0-py3-none-win_arm64.whl): another --python may have one
      hint: full log: <root>/cache/tpx/logs/<log>

      $ tpx upgrade tpxdmeo  → exit 1
      error: tpxdmeo is not installed
      hint: did you mean \`tpx upgrade tpxdemo\`? installed tools: clash-a, tpxdemo

      $ tpx upgrade nosuchtool-tpx  → exit 1
      error: nosuchtool-tpx is not installed
      hint: no package "nosuchtool-tpx" is on the index <index> either; installed tools: clash-a, tpxdemo

      $ tpx uninstall tpxdmeo  → exit 1
      error: tpxdmeo is not installed
      hint: did you mean tpxdemo? installed tools: clash-a, tpxdemo
      "
    `);
  });
});
