# Sourced inside the zpty's interactive zsh by zsh-complete.zsh.
autoload -Uz compinit && compinit -u -D
zstyle ':completion:*' insert-tab false
source $TPX_SCRIPT
compadd() {
  # Calls that only collect matches (-O, -A, -D) are the completion system's own: pass them through.
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return $?
  fi
  local -a hits
  builtin compadd -A hits "$@"
  (( $#hits )) && print -rl -- "<match>"${^hits}
  builtin compadd "$@"
}
# After each line's matches: mark the end, and clear the line for the next one.
_tpx_test_done() { print -r -- '<done>'; BUFFER='' }
zle -N _tpx_test_done
bindkey '^X' _tpx_test_done
bindkey '^I' complete-word
PS1='' RPROMPT=''
