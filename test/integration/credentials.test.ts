// No credential is ever printed or written: every command that takes an index or a URL runs with a
// password in it, against an index that demands it, and the password must appear nowhere — not in
// stdout or stderr, not in any file under the data home or the cache (receipts, logs, the run
// cache), not in the export file; nor when pip gets it from keyring.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withCredentials } from '../helpers/index-server.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return [];
    return st.isDirectory() ? filesUnder(p) : [p];
  });
}

describe('credentials', () => {
  it('appear in no output and no file, from any command that takes an index or a URL', async () => {
    // Raw @s in the password, as people paste them: pip splits the user info at its last @, and so must tpx.
    const auth = { user: 'tpxuser', password: 'Pw@s3cret@9f8e7d-tail' };
    world = await makeWorld({ indexAuth: auth });
    const credUrl = world.index.url.replace('://', `://${auth.user}:${auth.password}@`);
    // Every piece of it: a split at the wrong @ would print or record the rest.
    const secrets = [auth.password, 's3cret@9f8e7d-tail', '9f8e7d-tail', encodeURIComponent(auth.password)];
    const fileUrl = (wheel: string) => `${credUrl.replace(/\/simple$/, '')}/files/${wheel}`;
    // tpx records URLs without their credentials; pip finds them for later runs in ~/.netrc, as the README says.
    writeFileSync(join(world.home, '.netrc'), `machine 127.0.0.1 login ${auth.user} password ${auth.password}\n`, { mode: 0o600 });
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await world.run(args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const installed = await run(['install', '--index-url', credUrl, 'tpxdemo']);
    expect(installed.code, installed.stderr).toBe(0);
    expect((await run(['install', '--verbose', fileUrl('oneapp-1.0-py3-none-any.whl')])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    expect((await run(['upgrade', '-v', '--index-url', credUrl, '--pip-args', `--extra-index-url ${credUrl}`, 'tpxdemo'])).code).toBe(0);
    expect((await run(['reinstall', 'oneapp'])).code).toBe(0);
    expect((await run(['inject', 'oneapp', fileUrl('helperlib-1.0-py3-none-any.whl')])).code).toBe(0);
    expect((await run(['run', '--index-url', credUrl, '--with', 'helperlib', 'tpxdemo', '--version'])).code).toBe(0);
    expect((await run(['list', '--outdated'])).code).toBe(0);
    const json = await run(['list', '--json']);
    expect(JSON.parse(json.stdout).tools.find((t: { name: string }) => t.name === 'oneapp').spec).toBe(
      `${world.index.url.replace(/\/simple$/, '')}/files/oneapp-1.0-py3-none-any.whl`,
    );
    const exported = join(world.root, 'toolbox.json');
    expect((await run(['export', exported])).code).toBe(0);
    expect((await run(['install-all', '--force', exported])).code).toBe(0);
    const failed = await run(['install', '--index-url', credUrl, 'no-such-package-tpx']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`${auth.user}:****@`);
    const document = await run(['install', '--json', '--index-url', credUrl, 'no-such-package-tpx']);
    expect(JSON.parse(document.stdout).command).toContain(`${credUrl.replace(auth.password, '****')}`);
    // The percent-encoded form (what a URL library writes) is hidden the same way.
    const encoded = await run(['install', '--index-url', withCredentials(world.index.url, auth), 'no-such-package-tpx']);
    expect(encoded.stderr).toContain(`${auth.user}:****@127.0.0.1`);

    // Keyring (pip's `subprocess` provider, which tpx sets): no .netrc and no password in any URL; a
    // `keyring` command on PATH answers for the user the index URL names.
    rmSync(join(world.home, '.netrc'));
    const keyringDir = join(world.root, 'keyring-bin');
    mkdirSync(keyringDir);
    const asked = join(world.root, 'keyring-asked');
    writeFileSync(
      join(keyringDir, 'keyring'),
      `#!/bin/sh\necho "$*" >> '${asked}'\n[ "$1" = get ] && [ "$3" = ${auth.user} ] && echo '${auth.password}' && exit 0\nexit 1\n`,
      { mode: 0o755 },
    );
    const userOnly = credUrl.replace(`:${auth.password}@`, '@');
    const keyringEnv = { PATH: `${keyringDir}:${world.env.PATH}`, PIP_INDEX_URL: userOnly };
    const viaKeyring = await world.run(['install', '-v', '--suffix', '@kr', 'tpxdemo'], { env: keyringEnv });
    outputs.push(viaKeyring.stdout, viaKeyring.stderr);
    expect(viaKeyring.code, viaKeyring.stderr).toBe(0);
    expect(readFileSync(asked, 'utf8')).toContain(` ${auth.user}`);
    // A provider the user chose is left alone: pip then has no way to the password.
    const own = await world.run(['install', '--suffix', '@own', 'tpxdemo'], { env: { ...keyringEnv, PIP_KEYRING_PROVIDER: 'disabled' } });
    outputs.push(own.stdout, own.stderr);
    expect(own.code).toBe(1);

    const files = [...filesUnder(world.tpxHome), ...filesUnder(join(world.cacheDir, 'tpx')), exported];
    // The sweep looks where the password would be: receipts, logs that show the masked URL, the run cache.
    expect(files.filter((f) => f.endsWith('tpx.json')).length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) {
      expect(outputs.filter((o) => o.includes(secret))).toEqual([]);
      expect(files.filter((f) => readFileSync(f).includes(secret))).toEqual([]);
    }
    const logs = files.filter((f) => f.endsWith('.log'));
    expect(logs.some((f) => readFileSync(f, 'utf8').includes(`${auth.user}:****@`))).toBe(true);
    expect(installed.stderr).toContain('warning: the credentials in its URLs were not recorded');
  });
});
