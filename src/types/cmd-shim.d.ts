// cmd-shim ships no types; this is the part of its API tpx uses (its README).
declare module 'cmd-shim' {
  /** Writes `to` (sh), `to.cmd` and `to.ps1`, each starting `from`; `from` must exist. */
  function cmdShim(from: string, to: string): Promise<void>;
  export = cmdShim;
}
