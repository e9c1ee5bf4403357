#!/usr/bin/env bash
# Runs the supervisor's black-box integration suite and a short scenario
# matrix as an ordinary user, the way PawWork runs: once inside a cgroup v2
# delegated to that user (as systemd delegates user@.service, so the sidecar
# gets a cgroup per tree) and once with no cgroup of its own (the fallback:
# process groups, subreaper and an environment marker). Everything else in
# npm test runs as root; this is the part that says what holds as a user.
#
# usage (as root, after the debug and release builds and `npm run build`):
#   bash scripts/as-user.sh [--matrix-runs N]
# Linux only. Creates the user `pawwork-ci` and the cgroup if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --matrix-runs) runs=$2; shift 2 ;;
    *) echo "as-user: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "$(uname -s)" != Linux ]; then echo "as-user: Linux only" >&2; exit 2; fi
if [ "$(id -u)" != 0 ]; then echo "as-user: run as root (it creates a user and a cgroup)" >&2; exit 2; fi

user=pawwork-ci
id -u "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$user"
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)

# The cgroup v2 mount: /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on hybrid ones.
mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
delegated=""
if [ -n "$mount" ] && [ -w "$mount" ]; then
  delegated=$mount/pawwork-ci-delegated
  mkdir -p "$delegated"
  # Delegation as cgroup v2 defines it: the directory and the files that let
  # the delegatee create sub-cgroups and move its own processes between them.
  chown "$user" "$delegated" "$delegated/cgroup.procs" "$delegated/cgroup.threads" "$delegated/cgroup.subtree_control"
else
  echo "as-user: no writable cgroup v2 mount; the delegated-cgroup run is not run" >&2
fi

# The integration test executable, built as root; run directly so the user
# needs no write access to target/.
integration=$(cargo test -p pawwork-supervisor --locked --test integration --no-run --message-format=json 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const m=JSON.parse(l);if(m.reason==="compiler-artifact"&&m.target.name==="integration"&&m.executable)console.log(m.executable)}catch{}}})' | tail -1)
if [ -z "$integration" ]; then echo "as-user: could not find the integration test executable" >&2; exit 1; fi

work=$(mktemp -d -t pawwork-as-user-XXXXXX)
chown "$user" "$work"
trap 'rm -rf "$work"' EXIT
status=0

# $1: label; $2: cgroup dir to run in ("" = stay where we are); rest: the command.
as_user() {
  local label=$1 cgroup=$2
  shift 2
  echo
  echo "=== as $user (uid $uid), $label: $*"
  # Root moves this shell into the cgroup (the user may not write the source
  # cgroup's procs file), then drops to the user for the command itself.
  if env -i PATH="$PATH" HOME="$home" TMPDIR="$work" PAWWORK_AS_USER_CGROUP="$cgroup" \
    sh -c 'if [ -n "$PAWWORK_AS_USER_CGROUP" ]; then echo $$ > "$PAWWORK_AS_USER_CGROUP/cgroup.procs"; fi; exec setpriv --reuid="$0" --regid="$0" --init-groups "$@"' \
    "$user" "$@"; then
    echo "=== as $user, $label: passed"
  else
    echo "=== as $user, $label: FAILED"
    status=1
  fi
}

modes=()
[ -n "$delegated" ] && modes+=("delegated")
modes+=("none")
for mode in "${modes[@]}"; do
  if [ "$mode" = delegated ]; then cg=$delegated; label="inside a cgroup delegated to the user (expect cgroup containment)"
  else cg=""; label="with no cgroup of its own (expect the fallback)"; fi
  # The sidecar says which containment it chose in its hello; the suite's own
  # hello test prints it. The matrix records it per run in results.json.
  as_user "$label: integration suite" "$cg" env PAWWORK_EXPECT_CONTAINMENT="$([ "$mode" = delegated ] && echo cgroup || echo fallback)" \
    "$integration" --test-threads=2
  as_user "$label: short matrix" "$cg" node "$root/scripts/matrix.mjs" --no-setup --runs "$runs" \
    --backend supervisor --out "$work/matrix-$mode"
  if [ -f "$work/matrix-$mode/results.json" ]; then
    node scripts/check-supervisor-results.mjs --expect-containment "$([ "$mode" = delegated ] && echo cgroup || echo fallback)" \
      "$work/matrix-$mode/results.json" || status=1
  else
    echo "as-user: the $mode matrix wrote no results.json"; status=1
  fi
done

[ -n "$delegated" ] && rmdir "$delegated"/pawwork-supervisor-* 2>/dev/null || true
echo
echo "as-user: $([ $status = 0 ] && echo "every run as $user passed" || echo "FAILED")"
exit $status
