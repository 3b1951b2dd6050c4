import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import {
  HEARTBEAT_STALE_MS,
  isStale,
  isStaleLock,
  isTempOrphan,
  ownerRecord,
  parseOwner,
  processStart,
} from '../../src/core/base/mutex.js';

const here = 'box';
const owner = (start: string | null) => ({ pid: 4242, host: here, start });
const facts = (f: Partial<Parameters<typeof isStale>[1]>) => ({ host: here, alive: true, start: null, heartbeatAgeMs: null, ...f });

describe('the staleness rule', () => {
  it('another host: respected, whatever else is known', () => {
    expect(isStale({ ...owner('1'), host: 'other' }, facts({ alive: false }))).toBe(false);
  });

  it('a dead pid: stale', () => {
    expect(isStale(owner('100'), facts({ alive: false }))).toBe(true);
  });

  it('a live pid with the recorded start time: the owner itself, not stale', () => {
    expect(isStale(owner('100'), facts({ start: '100', heartbeatAgeMs: 10 * HEARTBEAT_STALE_MS }))).toBe(false);
  });

  it('a live pid with another start time: the pid was reused, stale', () => {
    expect(isStale(owner('100'), facts({ start: '999' }))).toBe(true);
  });

  it('start times unknown (another OS, an older tpx): the heartbeat decides', () => {
    expect(isStale(owner(null), facts({ start: '999', heartbeatAgeMs: 1000 }))).toBe(false);
    expect(isStale(owner(null), facts({ heartbeatAgeMs: HEARTBEAT_STALE_MS + 1 }))).toBe(true);
    expect(isStale(owner('100'), facts({ start: null, heartbeatAgeMs: HEARTBEAT_STALE_MS + 1 }))).toBe(true);
    // A marker that keeps no heartbeat (a generation being built): a live pid counts as its builder.
    expect(isStale(owner(null), facts({ heartbeatAgeMs: null }))).toBe(false);
  });
});

describe('owner records', () => {
  it('are written with pid, host and (on Linux) the start time from /proc/<pid>/stat', () => {
    const rec = parseOwner(ownerRecord());
    expect(rec).toEqual({ pid: process.pid, host: hostname(), start: processStart(process.pid) });
    if (process.platform === 'linux') expect(rec?.start).toMatch(/^\d+$/);
  });

  it('anything else read from disk is not an owner', () => {
    for (const bad of ['', 'garbage', '0 host', '-1 host', 'NaN host', '99999999999 host']) expect(parseOwner(bad), bad).toBeNull();
    expect(parseOwner('12 host x')).toEqual({ pid: 12, host: 'host', start: null });
    // An older tpx's build marker: a bare pid, on this host.
    expect(parseOwner('12')).toEqual({ pid: 12, host: '', start: null });
  });

  it('a lock owned by a live pid with another start time, or with a heartbeat long gone, is stale', () => {
    const root = tempDir();
    const lock = (name: string, text: string, ageMs = 0) => {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), text);
      const t = new Date(Date.now() - ageMs);
      utimesSync(join(dir, 'owner'), t, t);
      return dir;
    };
    expect(isStaleLock(lock('mine', ownerRecord(), 10 * HEARTBEAT_STALE_MS))).toBe(process.platform !== 'linux');
    expect(isStaleLock(lock('reused', `${process.pid} ${hostname()} 1\n`))).toBe(process.platform === 'linux');
    expect(isStaleLock(lock('silent', `${process.pid} ${hostname()}\n`, 2 * HEARTBEAT_STALE_MS))).toBe(true);
    expect(isStaleLock(lock('dead', `999999 ${hostname()}\n`))).toBe(true);
    expect(isStaleLock(lock('elsewhere', `999999 another-host 1\n`))).toBe(false);
    // A record that is not one (empty, torn) is stale only once it is old: a reader never mistakes
    // a record being written for one of a process long gone.
    expect(isStaleLock(lock('empty', ''))).toBe(false);
    expect(isStaleLock(lock('empty-old', '', 60_000))).toBe(true);
  });
});

describe('temp names', () => {
  it('are orphans when the pid they carry is gone, not while it runs; other names are not temp names', () => {
    expect(isTempOrphan('ruff.tmp-999999-0badcafe')).toBe(true);
    expect(isTempOrphan(`ruff.tmp-${process.pid}-0badcafe`)).toBe(false);
    expect(isTempOrphan('ruff')).toBe(false);
    expect(isTempOrphan('ruff.tmp-999999-notahex')).toBe(false);
  });
});
