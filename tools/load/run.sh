#!/usr/bin/env bash
# The department's load on `chartroom serve`: a demo population, a server with sessions, audit
# and permission checks on as in production, and `chartroom-load` (crates/loadgen) driving it
# with CLIENTS concurrent keep-alive clients for SECONDS: 70% chart reads and searches, 20%
# writes, 10% population queries and audit reports. Prints throughput and p50/p99 per kind of
# request; fails when any request failed. Afterwards the audit chain must verify.
#
# Usage: tools/load/run.sh CHARTROOM_BINARY LOAD_BINARY [sqlite|postgres] [PATIENTS] [CLIENTS] [SECONDS]
# postgres uses a new database on CHARTROOM_TEST_POSTGRES_URL's server (dropped afterwards).
# The full run (release builds, 2,000 patients, 64 clients, 60 s) has its figures in
# ARCHITECTURE.md; .ci/run runs a short one on each backend.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib/serve.sh
bin="$(realpath "$1")"
load="$(realpath "$2")"
backend="${3:-sqlite}"
patients="${4:-2000}"
clients="${5:-64}"
seconds="${6:-60}"
work=$(mktemp -d)
server_pid=""
database=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [ -n "$database" ] && psql "$admin_url" -qAtc "drop database if exists $database" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

store_for "$backend" "$work/data" chartroom_load_$$

"$bin" "${store[@]}" demo --patients "$patients" --seed 11 >/dev/null
password="Busy-Dept-Passw0rd-$$"
printf '%s\n' "$password" | "$bin" "${store[@]}" user add load --admin \
    --role him-technician --role physician --role front-desk --password-stdin >/dev/null
"$bin" "${store[@]}" serve --listen 127.0.0.1:0 --mfa-roles none >"$work/serve.log" 2>&1 &
server_pid=$!
wait_for_serve "$work/serve.log"
token=$(mint_token load "$password" load "$work/cookies")

echo "load on $backend: $patients patients"
status=0
CHARTROOM_TOKEN="$token" "$load" --base "$base" --clients "$clients" --seconds "$seconds" --warmup 2 || status=$?
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=""
if grep -q ' 500 \|panicked' "$work/serve.log"; then
    echo "the server logged a 500 or a panic under load:" >&2
    grep -m 5 ' 500 \|panicked' "$work/serve.log" >&2
    status=1
fi
"$bin" "${store[@]}" audit verify >/dev/null || { echo "audit verify failed after the load" >&2; status=1; }
exit "$status"
