# zsh -f zsh-complete.zsh SCRIPT LINE...: types each LINE and a TAB into one real interactive zsh (in a
# zpty) with compinit and the completion SCRIPT loaded. Prints each match zsh offers as `<match>WORD`,
# and `<done>` after each line's. compadd is wrapped to print what the completion functions add: the
# matches themselves are zsh's own.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "TPX_SCRIPT=${(q)1}; source ${(q)0:A:h}/zsh-complete-init.zsh"
local line out='' n=0
for line in "${@[2,-1]}"; do
  zpty -w -n z "$line"$'\t'$'\x18'
  while zpty -r z line; do
    out+=$line
    [[ $line == *'<done>'* ]] && break
  done
done
zpty -d z
print -r -- $out
