#!/usr/bin/env bash
# The control for "fork-storm under Wine" (docs/reference/flakes.md): the same storm and
# the same two ways of ending it (root-only TerminateProcess, as execa does;
# a job's TerminateJobObject, as the supervisor does), in plain Win32 C with
# none of this repository's code, in a throw-away Wine prefix. Afterwards the
# host's process list is read for children left behind and each is put in
# one of two classes:
#   suspended  known to the wineserver, first thread still suspended (the
#              parent died between creating it and resuming it)
#   unknown    not known to the wineserver at all: survives `wineserver -k`
#              (the kill landed while its Unix process was still starting)
# Every leftover is ended by pid once its /proc cmdline and WINEPREFIX are
# confirmed to be this run's.
#
# Usage: bash scripts/wine/storm-control.sh proc|jobcon RUNS MS [--hog]
#   --hog  two busy loops for the duration (the leftovers need a loaded machine)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?proc or jobcon} runs=${2:?runs} ms=${3:?ms}
hog=${4:-}

work=$(mktemp -d /tmp/storm-control.XXXXXX)
exe=$work/storm-control.exe
x86_64-w64-mingw32-gcc -O2 -Wall -o "$exe" scripts/wine/storm-control.c
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver64)
mkdir -p "$WINEPREFIX"
wineboot -i >/dev/null 2>&1 || true
"$WINESERVER" -w

hogs=()
if [ "$hog" = --hog ]; then
  for _ in 1 2; do
    timeout 600 sh -c 'while :; do :; done' &
    hogs+=("$!")
  done
fi
# Output to a file: a leftover child holds its inherited stdout open, so a
# pipe here would never see its end.
wine "$exe" killer "$mode" "$runs" "$ms" >"$work/killer.log" 2>&1 || true
for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done
tail -n 1 "$work/killer.log"

# Host processes of this run's control: the exe path as Wine's Z: drive sees it.
winexe=$(printf 'Z:%s' "$exe" | tr / '\\')
ours() {
  ps -eo pid=,args= | grep -F -- "$winexe child" | grep -v grep | awk '{print $1}' || true
}
sleep 3
before=$(ours)
echo "host: $(echo -n "$before" | grep -c . || true) storm-control children alive 3 s after the last run"
for p in $before; do
  printf '  pid %s: argv0 %s, mapped: %s, syscall: %s\n' "$p" \
    "$(tr '\0' '\n' </proc/"$p"/cmdline | head -1)" \
    "$(grep -o '[^/ ]*\.\(dll\|exe\|so\)$' /proc/"$p"/maps | sort -u | tr '\n' ' ')" \
    "$(cut -d' ' -f1-4 /proc/"$p"/syscall)" || true
done
# Windows programs end lines with CR LF.
wine "$exe" census 2>&1 | tr -d '\r' >"$work/census.log" || true
suspended=$(grep -c 'suspend count 1$' "$work/census.log" || true)
echo "wineserver: $(grep -c . "$work/census.log" || true) storm-control processes known, $suspended with a thread suspended once (never resumed)"
"$WINESERVER" -k 2>/dev/null || true
sleep 2
after=$(ours)
echo "after wineserver -k: $(echo -n "$after" | grep -c . || true) still alive (unknown to the wineserver)"
for p in $after; do
  # Ours only: the control's exe in the cmdline and this run's prefix.
  if [ "$p" -gt 1 ] && tr '\0' ' ' </proc/"$p"/cmdline | grep -qF -- "$winexe child" \
    && tr '\0' '\n' </proc/"$p"/environ | grep -qxF "WINEPREFIX=$WINEPREFIX"; then
    kill -KILL "$p"
  fi
done
rm -rf "$work"
