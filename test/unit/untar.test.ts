// Unpacking a .tar.gz in-process (src/core/base/untar.ts), against archives Python's tarfile makes:
// what tar would unpack (long names, links, modes, mtimes), and what it must refuse — a name or link
// leaving the destination, a write through a link, a truncated or damaged archive.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractTarGz } from '../../src/core/base/untar.js';
import { realPython } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/temp.js';

type Entry = [name: string, kind: 'file' | 'dir' | 'symlink' | 'hardlink', data?: string];
/** `format`: pax or gnu; `cutGzip`: bytes cut off the .tar.gz; `cutTar`: bytes cut off the tar inside. */
type Spec = { entries: Entry[]; format?: 'pax' | 'gnu'; cutGzip?: number; cutTar?: number };

/** Archives made by Python's tarfile from `specs`, in one run of Python: name → file. */
function archives<K extends string>(specs: Record<K, Spec>): Record<K, string> {
  const dir = tempDir();
  const script = `
import gzip, io, json, os, sys, tarfile
for name, spec in json.loads(sys.stdin.read()).items():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT if spec.get("format", "pax") == "pax" else tarfile.GNU_FORMAT) as t:
        for entry, kind, data in spec["entries"]:
            info = tarfile.TarInfo(entry)
            info.mtime = 1700000000
            if kind == "file":
                raw = data.encode()
                info.size, info.mode = len(raw), 0o755 if entry.endswith(".sh") else 0o644
                t.addfile(info, io.BytesIO(raw))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE}[kind]
            info.linkname = data
            t.addfile(info)
    tar = buf.getvalue()
    tar = tar[: len(tar) - spec.get("cutTar", 0)]
    gz = gzip.compress(tar)
    gz = gz[: len(gz) - spec.get("cutGzip", 0)]
    open(os.path.join(sys.argv[1], name + ".tar.gz"), "wb").write(gz)
`;
  const json = Object.fromEntries(
    Object.entries<Spec>(specs).map(([k, v]) => [k, { ...v, entries: v.entries.map(([n, kind, d]) => [n, kind, d ?? '']) }]),
  );
  const r = spawnSync(realPython(), ['-I', '-c', script, dir], { input: JSON.stringify(json), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr ?? String(r.error));
  return Object.fromEntries(Object.keys(specs).map((k) => [k, join(dir, `${k}.tar.gz`)])) as Record<K, string>;
}

async function unpack(file: string): Promise<string> {
  const dest = tempDir();
  const fd = openSync(file, 'r');
  try {
    await extractTarGz(fd, dest, 'a.tar.gz');
  } finally {
    closeSync(fd);
  }
  return dest;
}

const long = `python/lib/${'very-long-directory-name/'.repeat(8)}module.py`;

describe('unpacking a .tar.gz', () => {
  it('writes files, directories and links as tar would, long names included (pax and GNU)', async () => {
    const entries: Entry[] = [
      ['python', 'dir'],
      ['python/bin/python3.12', 'file', 'interpreter'],
      ['python/bin/python3', 'symlink', 'python3.12'],
      ['python/bin/run.sh', 'file', '#!/bin/sh\n'],
      ['python/lib/libpython.so', 'file', 'lib'],
      ['python/lib/libpython.so.1', 'hardlink', 'python/lib/libpython.so'],
      [long, 'file', 'deep'],
      ['./python/empty', 'file', ''],
    ];
    const made = archives({ pax: { entries }, gnu: { entries, format: 'gnu' } });
    for (const format of ['pax', 'gnu'] as const) {
      const dest = await unpack(made[format]);
      const p = (rel: string) => join(dest, ...rel.split('/'));
      expect(readFileSync(p('python/bin/python3.12'), 'utf8'), format).toBe('interpreter');
      expect(readlinkSync(p('python/bin/python3'))).toBe('python3.12');
      expect(readFileSync(p('python/bin/python3'), 'utf8')).toBe('interpreter');
      expect(statSync(p('python/bin/run.sh')).mode & 0o111).not.toBe(0);
      expect(statSync(p('python/lib/libpython.so')).mode & 0o111).toBe(0);
      expect(statSync(p('python/lib/libpython.so.1')).ino).toBe(statSync(p('python/lib/libpython.so')).ino);
      expect(readFileSync(p(long), 'utf8')).toBe('deep');
      expect(statSync(p(long)).mtimeMs).toBe(1700000000 * 1000);
      expect(readFileSync(p('python/empty'), 'utf8')).toBe('');
    }
  });

  it('refuses a name or a link that leaves the destination, and writing through a link', async () => {
    const cases: [string, Entry[], RegExp][] = [
      ['a ..', [['python/../../evil', 'file', 'x']], /"python\/..\/..\/evil" is not a path inside the archive/],
      ['an absolute name', [['/tmp/evil', 'file', 'x']], /is not a path inside the archive/],
      ['an absolute link', [['python/etc', 'symlink', '/etc']], /python\/etc links to \/etc, outside the archive/],
      ['a link up and out', [['python/up', 'symlink', '../../..']], /links to \.\.\/\.\.\/\.\., outside the archive/],
      [
        'a write through a link',
        // Each link stays inside by its text; followed, python/up is the destination's parent.
        [
          ['python', 'dir'],
          ['python/b', 'symlink', '.'],
          ['python/up', 'symlink', 'b/../..'],
          ['python/up/evil', 'file', 'x'],
        ],
        /"python\/up\/evil" would be written through a link out of the archive/,
      ],
      ['a hard link to what it does not hold', [['python/h', 'hardlink', 'etc/passwd']], /a hard link to a file it does not hold/],
    ];
    const made = archives(Object.fromEntries(cases.map(([what, entries]) => [what.replace(/\W/g, '_'), { entries }])));
    for (const [what, , error] of cases) {
      const dest = tempDir();
      const fd = openSync(made[what.replace(/\W/g, '_')] as string, 'r');
      await expect(extractTarGz(fd, dest, 'a.tar.gz'), what).rejects.toThrow(error);
      closeSync(fd);
      // Nothing was written outside it.
      expect(readdirSync(join(dest, '..')).includes('evil'), what).toBe(false);
    }
  });

  it('refuses a truncated or damaged archive', async () => {
    const big: Entry[] = [['python/big', 'file', 'x'.repeat(60_000)]];
    const made = archives({ gzip: { entries: big, cutGzip: 100 }, tar: { entries: big, cutTar: 20_000 }, whole: { entries: big } });
    await expect(unpack(made.gzip)).rejects.toThrow(/cannot unpack a.tar.gz: it is not a readable gzip file/);
    await expect(unpack(made.tar)).rejects.toThrow(/cannot unpack a.tar.gz: it is truncated/);
    const damaged = join(tempDir(), 'd.tar.gz');
    const bytes = readFileSync(made.whole);
    bytes[bytes.length - 12] = (bytes[bytes.length - 12] as number) ^ 0xff; // inside the data: the CRC no longer matches
    writeFileSync(damaged, bytes);
    await expect(unpack(damaged)).rejects.toThrow(/not a readable gzip file/);
    expect(readFileSync(join(await unpack(made.whole), 'python', 'big'), 'utf8')).toHaveLength(60_000);
  });
});
