import { describe, expect, it } from 'vitest';
import { hasCredentials, quoteUserinfo, redact, stripCredentials } from '../../src/core/base/redact.js';

describe('redact', () => {
  it('masks passwords in URLs anywhere in a text', () => {
    expect(redact('Looking in indexes: https://alice:s3cret@host/simple')).toBe('Looking in indexes: https://alice:****@host/simple');
    expect(redact('http://u:p@h/ and https://host/simple')).toBe('http://u:****@h/ and https://host/simple');
  });

  it('masks a user name given alone: that is how tokens are passed (as pip does)', () => {
    expect(redact('git+https://ghp_TOKEN123@github.com/o/r.git')).toBe('git+https://****@github.com/o/r.git');
  });

  it('leaves names that are not secrets: the git user, the user of an ssh URL, an @ after the host', () => {
    for (const plain of [
      'git+https://git@github.com/o/r',
      'git+ssh://alice@host/r.git',
      'pkg @ https://host/pkg-1.0.whl',
      'https://host/path@v1',
    ]) {
      expect(redact(plain)).toBe(plain);
      expect(hasCredentials(plain)).toBe(false);
    }
  });

  it('splits the user info at its last @, as pip does: a raw @ in a password is the password', () => {
    expect(redact('Looking in indexes: https://user:p@ss@host/simple')).toBe('Looking in indexes: https://user:****@host/simple');
    expect(redact('https://user:p@ss@w0rd@host:8080/simple?x=a@b')).toBe('https://user:****@host:8080/simple?x=a@b');
    expect(redact('git+https://TOK@EN@github.com/o/r.git')).toBe('git+https://****@github.com/o/r.git');
    expect(stripCredentials('https://user:p@ss@host/simple')).toBe('https://host/simple');
    expect(stripCredentials('{"indexUrl":"http://u:p@ss@127.0.0.1:1/simple","spec":"a@b"}')).toBe(
      '{"indexUrl":"http://127.0.0.1:1/simple","spec":"a@b"}',
    );
    // What pip is given: one @ in the user info, so pip strips all of it from what it records.
    expect(quoteUserinfo('h @ https://user:p@ss@w0rd@host/x.whl')).toBe('h @ https://user:p%40ss%40w0rd@host/x.whl');
    expect(quoteUserinfo('https://user:pw@host/simple')).toBe('https://user:pw@host/simple');
    // The authority ends at the path, the query or the fragment, and at a quote or a space in text.
    expect(redact('https://host/a@b https://h?q=x@y https://h#f@g "https://u:p@h" x@y')).toBe(
      'https://host/a@b https://h?q=x@y https://h#f@g "https://u:****@h" x@y',
    );
  });

  it('strips credentials for what is written: receipts, the run cache, export files', () => {
    expect(stripCredentials('https://alice:s3cret@host/simple')).toBe('https://host/simple');
    expect(stripCredentials('--extra-index-url=https://TOKEN@host/simple')).toBe('--extra-index-url=https://host/simple');
    expect(stripCredentials('git+ssh://alice:pw@host/r.git')).toBe('git+ssh://alice@host/r.git');
    expect(hasCredentials('{"indexUrl":"http://u:p@127.0.0.1:1/simple"}')).toBe(true);
  });
});
