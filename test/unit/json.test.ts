import { describe, expect, it } from 'vitest';
import { resultDocument, usageDocument } from '../../src/commands/shared/json.js';
import { TpxError } from '../../src/core/base/errors.js';
import { failedResult, toolResult } from '../../src/core/ops/outcome.js';

describe('resultDocument', () => {
  const ok = toolResult('black', 'installed', { to: '24.1.0' });
  const bad = failedResult('ruff', new TpxError('pip-failed', 'pip could not install ruff', { hint: 'see https://u:pw@host/x' }));

  it('says success, partial or error from the exit code and what was dealt with', () => {
    expect(resultDocument([], [ok], 0).status).toBe('success');
    expect(resultDocument([], [ok, bad], 1).status).toBe('partial');
    expect(resultDocument([], [bad], 1).status).toBe('error');
    expect(resultDocument([], [], 2, new TpxError('usage', 'bad')).status).toBe('error');
  });

  it('carries error codes, never credentials', () => {
    const d = resultDocument(['install', '--index-url', 'https://user:secret@host/simple', 'ruff'], [bad], 1);
    expect(d.command[2]).toBe('https://user:****@host/simple');
    expect(d.tools[0]?.error).toEqual({ code: 'pip-failed', message: 'pip could not install ruff', hint: 'see https://u:****@host/x' });
    expect(JSON.stringify(d)).not.toContain('secret');
    // A bug is reported as one too, with the code scripts can branch on.
    expect(resultDocument([], [], 2, new Error('boom')).error).toEqual({ code: 'internal', message: 'boom', hint: null });
  });

  it("makes commander's errors a usage document", () => {
    expect(usageDocument(['install', '--x'], "error: unknown option '--x'\n")).toMatchObject({
      status: 'error',
      exitCode: 2,
      tools: [],
      error: { code: 'usage', message: "unknown option '--x'" },
    });
  });
});
