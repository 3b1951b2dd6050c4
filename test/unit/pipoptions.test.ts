import { describe, expect, it } from 'vitest';
import { pipOptions } from '../../src/core/request/pipoptions.js';
import { defaultRequest, injectedPackage } from '../../src/core/request/request.js';

describe('pipOptions: a request as pip options', () => {
  it('a plain request has none', () => {
    expect(pipOptions(defaultRequest('black'), {})).toEqual([]);
  });

  it('the index, then the pip args, then each injected package’s pip args, in order', () => {
    const req = defaultRequest('black', {
      indexUrl: 'https://idx.example/simple',
      pipArgs: ['--pre', '--no-binary', ':all:'],
      injected: [
        injectedPackage('rich', 'rich', { pipArgs: ['--extra-index-url', 'https://x.example/simple'] }),
        injectedPackage('click', 'click'),
      ],
    });
    expect(pipOptions(req, {})).toEqual([
      '--index-url',
      'https://idx.example/simple',
      '--pre',
      '--no-binary',
      ':all:',
      '--extra-index-url',
      'https://x.example/simple',
    ]);
  });

  it('refuses options that would install elsewhere, wherever in the request they are', () => {
    expect(() => pipOptions(defaultRequest('black', { pipArgs: ['--target', '/x'] }), {})).toThrow('--target');
    const injected = [injectedPackage('rich', 'rich', { pipArgs: ['--user'] })];
    expect(() => pipOptions(defaultRequest('black', { injected }), {})).toThrow('--user');
  });

  it('a cooldown is the runner’s option in seconds: the request’s, else TPX_COOLDOWN’s; "0" is none', () => {
    expect(pipOptions(defaultRequest('black', { cooldown: '1d12h' }), {})).toEqual(['--tpx-cooldown=129600']);
    expect(pipOptions(defaultRequest('black'), { TPX_COOLDOWN: 'P7D' })).toEqual(['--tpx-cooldown=604800']);
    expect(pipOptions(defaultRequest('black', { cooldown: '0' }), { TPX_COOLDOWN: '7d' })).toEqual([]);
    expect(() => pipOptions(defaultRequest('black'), { TPX_COOLDOWN: 'soon' })).toThrow('TPX_COOLDOWN: "soon" is not a duration');
  });
});
