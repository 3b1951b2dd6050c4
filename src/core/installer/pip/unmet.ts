/**
 * What a locked install left unmet. A lock is installed with `--no-deps` (nothing is resolved), so a
 * lock that leaves a dependency out gives a tool that cannot start; this finds every requirement of
 * an installed distribution that nothing installed satisfies — what `pip check` reports, judged by
 * pip's own vendored `packaging`, in one short Python run (~0.1 s; `pip check` costs ~0.7 s of CPU,
 * most of it importing pip).
 */
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { captureSync, childEnv } from '../../base/proc.js';
import { venvPython } from '../../python/venv.js';

/**
 * Run by the venv's interpreter, with pip's folder (for its vendored `packaging`) put on sys.path
 * only after the venv's distributions are listed: pip's own dist-info there is not the venv's. As
 * `pip check`: a requirement counts when its marker holds here (extras are not asked for); one that
 * packaging cannot read is not judged.
 */
const UNMET = `
import json, sys
from importlib.metadata import distributions
installed = list(distributions())
sys.path.insert(0, sys.argv[1])
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
have = {canonicalize_name(d.metadata.get("Name")): d.version for d in installed if d.metadata.get("Name")}
unmet = []
for d in installed:
    if not d.metadata.get("Name"):
        continue
    for line in d.requires or []:
        try:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            version = have.get(canonicalize_name(req.name))
            met = version is not None and req.specifier.contains(version, prereleases=True)
        except Exception:
            continue  # metadata packaging cannot read: not judged
        if version is None:
            unmet.append("%s %s requires %s, which the lock does not list" % (d.metadata["Name"], d.version, req.name))
        elif not met:
            unmet.append("%s %s requires %s%s, and the lock has %s %s" % (d.metadata["Name"], d.version, req.name, req.specifier, req.name, version))
print(json.dumps(sorted(unmet)))
`;

/** The requirements left unmet in the venv at `dir` after a locked install, one line each; [] when every one is met. */
export function unmetRequirements(ctx: Context, dir: string, pipRunner: string): string[] {
  const r = captureSync(venvPython(ctx, dir), ['-I', '-c', UNMET, path.dirname(path.dirname(pipRunner))], childEnv(ctx));
  try {
    return JSON.parse(r.stdout) as string[];
  } catch {
    throw new TpxError('bad-lock', `could not check what the locked install in ${dir} needs`, {
      details: r.stderr.trim().split('\n').slice(-5).join('\n'),
    });
  }
}
