/**
 * smol-toml, loaded when a TOML file is read or written (scripts/build.mjs bundles it on its own; a Biome rule
 * keeps every other import of it out). Bundled it is a CommonJS file whose exports `import()` hands over as `default`;
 * from source, as named exports.
 */
export async function loadToml(): Promise<typeof import('smol-toml')> {
  const loaded = await import('smol-toml');
  return 'parse' in loaded ? loaded : (loaded as unknown as { default: typeof import('smol-toml') }).default;
}
