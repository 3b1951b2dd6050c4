import { describe, expect, it } from 'vitest';
import { redact } from '../../src/core/redact.js';

describe('redact', () => {
  it('masks passwords in URLs anywhere in a text', () => {
    expect(redact('Looking in indexes: https://alice:s3cret@host/simple')).toBe('Looking in indexes: https://alice:****@host/simple');
    expect(redact('http://token@host/x and http://u:p@h/')).toBe('http://token:****@host/x and http://u:****@h/');
    expect(redact('https://host/simple')).toBe('https://host/simple');
  });
});
