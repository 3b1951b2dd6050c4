/** `tpx rollback`: a tool switched back to the generation it had before its last change. */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { lstatOrNull } from '../base/fsx.js';
import { applyLinks, planLinks, receiptLinks, removeLinksExcept } from '../store/links.js';
import { withLock } from '../base/mutex.js';
import { loadReceipt, writeReceipt } from '../store/receipt.js';
import { venvProblems } from '../store/status.js';
import { commitGeneration, envPath, requireInstalled } from '../store/store.js';
import { linkChanges, toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';

/**
 * The previous generation is kept on disk by design, so a rollback is one switch of tools/<key>.
 * Links go through tools/<key>: only apps the two versions do not share are linked or unlinked.
 */
export async function rollback(ctx: Context, key: string): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const current = inst.receipt;
    const gen = current.previousGeneration;
    const noPrevious = (why: string) =>
      new TpxError('no-previous', `${key} has no previous version to roll back to: ${why}`, {
        hint: 'tpx keeps the version before the last upgrade, reinstall or install --force',
      });
    if (!gen) throw noPrevious('it was installed once and never changed');
    // `gen` is a generation name (receipt.ts checked); it must also be a directory directly under envs/, holding this tool's receipt.
    const dir = envPath(ctx, gen);
    const previous = lstatOrNull(dir)?.isDirectory() ? loadReceipt(dir) : null;
    if (previous === null) throw noPrevious(`its environment ${dir} is gone`);
    if (typeof previous === 'string') throw noPrevious(`its receipt is unreadable: ${previous}`);
    if (previous.key !== key || previous.generation !== gen)
      throw noPrevious(`${dir} holds ${previous.key}'s generation ${previous.generation}`);
    // Never back to a venv that cannot run: its Python gone, or made elsewhere (a moved data home).
    const broken = venvProblems(ctx, dir, previous)[0];
    if (broken) throw noPrevious(broken.text);

    const plans = await planLinks(ctx, key, receiptLinks(ctx, { ...previous, exposed: current.exposed }), false);
    // The generation we leave becomes the one to roll back to (so a second rollback undoes the first,
    // and garbage collection keeps it); the pin and exposure are the user's choices about the tool, not a version's.
    writeReceipt(dir, { ...previous, pinned: current.pinned, exposed: current.exposed, previousGeneration: inst.gen });
    const links = applyLinks(ctx, plans);
    try {
      commitGeneration(ctx, key, gen);
    } catch (err) {
      links.rollback();
      throw new TpxError('rollback-failed', `could not switch ${key} back`, { cause: err, hint: 'nothing was changed' });
    }
    links.commit();
    removeLinksExcept(
      ctx,
      key,
      plans.map((p) => p.link),
    );
    return toolResult(key, 'rolled-back', { from: current.version, to: previous.version, apps: linkChanges(current.apps, previous.apps) });
  });
}
