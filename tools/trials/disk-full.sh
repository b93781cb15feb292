#!/usr/bin/env bash
# Disk-full trial: the data directory on a small tmpfs that `chartroom serve` fills with FHIR
# Patient creates. While the disk is full every write must be refused with 503 (Retry-After,
# a log line), never a 500; reads that need no write go on; when space returns the server
# takes writes again by itself, without a restart. Afterwards SQLite's integrity check passes,
# the audit chain verifies, and every create that was acknowledged (201) is there.
#
# Usage: tools/trials/disk-full.sh CHARTROOM_BINARY
# Needs root (it mounts a tmpfs); CI runs as root. The last figures are in ARCHITECTURE.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib/serve.sh
bin="$(realpath "$1")"
work=$(mktemp -d)
disk="$work/disk"
mkdir "$disk"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    umount "$disk" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=64m tmpfs "$disk"; then
    echo "disk-full trial: cannot mount a tmpfs at $disk (needs root)" >&2
    exit 1
fi
fail() {
    echo "disk-full trial FAILED: $*" >&2
    echo "--- server log (last 20 lines)" >&2
    tail -n 20 "$work/serve.log" >&2 || true
    exit 1
}
data="$disk/data"
"$bin" --data-dir "$data" demo --patients 20 --seed 7 >/dev/null
password="Fill-Passw0rd-$$"
printf '%s\n' "$password" | "$bin" --data-dir "$data" user add trial --admin \
    --role him-technician --role physician --role front-desk --password-stdin >/dev/null

"$bin" --data-dir "$data" serve --listen 127.0.0.1:0 --mfa-roles none >"$work/serve.log" 2>&1 &
server_pid=$!
wait_for_serve "$work/serve.log" || fail "chartroom serve did not start"
token=$(mint_token trial "$password" trial "$work/cookies")

# Writes a patient; prints the HTTP status, and the new id after a 201.
create() {
    local n=$1 out="$work/create.json" headers="$work/create.headers" status
    status=$(curl -sS -o "$out" -D "$headers" -w '%{http_code}' \
        -H "Authorization: Bearer $token" -H 'content-type: application/fhir+json' \
        -d "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Filler\",\"given\":[\"Trial$n\"]}],\"gender\":\"female\",\"birthDate\":\"1980-01-01\",\"address\":[{\"line\":[\"$n Long Street Of Many Words To Fill The Disk\"],\"city\":\"Springfield\",\"postalCode\":\"62701\"}]}" \
        "$base/fhir/Patient")
    if [ "$status" = 201 ]; then
        echo "$status $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$out")"
    else
        if [ "$status" = 503 ] && ! grep -qi '^retry-after:' "$headers"; then
            fail "a 503 without Retry-After"
        fi
        echo "$status"
    fi
}

# The disk made as small as what is on it now, plus a little.
used_kb=$(du -sk "$disk" | cut -f1)
mount -o remount,size=$((used_kb + 1024))k "$disk"
acknowledged="$work/acknowledged"
: >"$acknowledged"
refused=0
n=0
while [ "$refused" -lt 20 ] && [ "$n" -lt 20000 ]; do
    n=$((n + 1))
    read -r status id <<<"$(create "$n")"
    case "$status" in
        201) echo "$id" >>"$acknowledged" ;;
        503) refused=$((refused + 1)) ;;
        *) fail "create $n answered $status: $(cat "$work/create.json")" ;;
    esac
done
[ "$refused" -ge 20 ] || fail "the disk never filled after $n creates"
grep -q 'storage unavailable' "$work/serve.log" || fail "no log line said storage was unavailable"
full_writes=$(wc -l <"$acknowledged")

# Reads that write nothing go on: the health check and the OpenAPI document.
curl -fsS "$base/api/health" >/dev/null || fail "the health check failed while the disk was full"
curl -fsS "$base/api/openapi.json" >/dev/null || fail "the API document failed while the disk was full"
# A patient read writes its audit entry first: 200 if that entry fits, else 503, never 500.
first=$(head -n1 "$acknowledged")
read_status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/fhir/Patient/$first")
case "$read_status" in 200 | 503) ;; *) fail "a patient read answered $read_status while the disk was full" ;; esac

# Space returns: writes are taken again without a restart.
mount -o remount,size=256m "$disk"
recovered=""
for i in $(seq 1 60); do
    read -r status id <<<"$(create "after$i")"
    case "$status" in
        201) echo "$id" >>"$acknowledged"; recovered=$i; break ;;
        503) sleep 0.5 ;;
        *) fail "a create after space returned answered $status" ;;
    esac
done
[ -n "$recovered" ] || fail "writes were still refused 30 s after space returned"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

integrity=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$data/chartroom.db")
[ "$integrity" = ok ] || fail "integrity check: $integrity"
"$bin" --data-dir "$data" audit verify >"$work/verify.txt" 2>&1 || fail "audit verify: $(cat "$work/verify.txt")"
"$bin" --data-dir "$data" export --ndjson "$work/export" >/dev/null
missing=$(python3 - "$acknowledged" "$work/export/Patient.ndjson" <<'EOF'
import json, sys
acknowledged = {line.strip() for line in open(sys.argv[1]) if line.strip()}
stored = {json.loads(line)["id"] for line in open(sys.argv[2])}
print(len(acknowledged - stored))
EOF
)
[ "$missing" = 0 ] || fail "$missing acknowledged patients are missing"
echo "disk-full trial passed: $full_writes creates acknowledged before the disk filled, $refused refused with 503 and Retry-After, a patient read answered $read_status while full, writes taken again on attempt $recovered after space returned; integrity ok, audit chain verified, all $(wc -l <"$acknowledged") acknowledged patients present"
