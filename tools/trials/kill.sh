#!/usr/bin/env bash
# SIGKILL trial: `chartroom serve` killed without warning at a random moment while three
# writers work at once (FHIR Patient creates, FHIR transaction Bundles of a Patient and two
# Observations, HL7 ADT^A04 over MLLP), TRIALS times on one store. After each kill, on the
# store as the kill left it: SQLite's integrity check passes, the audit chain verifies (and
# the next `serve` starts, which verifies it too), every write that was acknowledged (201, a
# transaction's 200, an MLLP AA) is there, and every transaction that is there is there whole.
#
# Usage: tools/trials/kill.sh CHARTROOM_BINARY [sqlite|postgres] [TRIALS]
# postgres uses a new database on CHARTROOM_TEST_POSTGRES_URL's server (dropped afterwards).
# The last figures are in ARCHITECTURE.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib/serve.sh
bin="$(realpath "$1")"
backend="${2:-sqlite}"
trials="${3:-20}"
here="$(pwd)/tools/trials"
work=$(mktemp -d)
server_pid=""
writers_pid=""
database=""
cleanup() {
    [ -n "$writers_pid" ] && kill "$writers_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    [ -n "$database" ] && psql "$admin_url" -qAtc "drop database if exists $database" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "kill trial ($backend) FAILED: $*" >&2
    echo "--- server log (last 20 lines)" >&2
    tail -n 20 "$work/serve.log" >&2 || true
    exit 1
}

store_for "$backend" "$work/data" chartroom_kill_$$
"$bin" "${store[@]}" demo --patients 20 --seed 5 >/dev/null
password="Kill-Trial-Passw0rd-$$"
printf '%s\n' "$password" | "$bin" "${store[@]}" user add killer --admin \
    --role him-technician --role physician --role front-desk --password-stdin >/dev/null
acks="$work/acks"
mkdir "$acks"
touch "$acks/creates" "$acks/transactions" "$acks/mllp"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

token=""
killed_mid_write=0
for trial in $(seq 1 "$trials"); do
    port=$(free_port)
    "$bin" "${store[@]}" serve --listen 127.0.0.1:0 --mfa-roles none --mllp "127.0.0.1:$port" \
        >"$work/serve.log" 2>&1 &
    server_pid=$!
    wait_for_serve "$work/serve.log" || fail "trial $trial: serve did not start after the last kill"
    [ -n "$token" ] || token=$(mint_token killer "$password" killer "$work/cookies")
    before=$(cat "$acks"/* | wc -l)
    python3 "$here/kill_writers.py" write "$base" "$token" "$port" "$trial" "$acks" &
    writers_pid=$!
    # The kill lands anywhere from just after the writers start to well into their work.
    sleep "$(python3 -c "import random; random.seed($trial * 7919); print(round(random.uniform(0.2, 2.5), 3))")"
    kill -9 "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    wait "$writers_pid" 2>/dev/null || true
    writers_pid=""
    after=$(cat "$acks"/* | wc -l)
    [ "$after" -gt "$before" ] && killed_mid_write=$((killed_mid_write + 1))

    if [ "$backend" = sqlite ]; then
        integrity=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$work/data/chartroom.db")
        [ "$integrity" = ok ] || fail "trial $trial: integrity check: $integrity"
    fi
    "$bin" "${store[@]}" audit verify >"$work/verify.txt" 2>&1 || fail "trial $trial: audit verify: $(cat "$work/verify.txt")"
    rm -rf "$work/export"
    "$bin" "${store[@]}" export --ndjson "$work/export" >/dev/null 2>"$work/export.err" ||
        fail "trial $trial: export: $(cat "$work/export.err")"
    python3 "$here/kill_writers.py" check "$acks" "$work/export" >"$work/check.txt" 2>&1 ||
        fail "trial $trial: $(cat "$work/check.txt")"
done
echo "kill trial ($backend) passed: $trials kills, $killed_mid_write of them after writes were acknowledged; $(tail -n1 "$work/check.txt"); integrity ok and audit chain verified after every kill"
