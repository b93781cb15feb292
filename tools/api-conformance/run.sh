#!/usr/bin/env bash
# API conformance: schemathesis (PyPI) generates requests from /api/openapi.json and checks
# every answer: no server error, the status code is one the document names, and the
# request the schema allows is not refused for reasons the schema hides.
#
# Usage: tools/api-conformance/run.sh CHARTROOM_BINARY [MAX_EXAMPLES] [--all-checks]
# By default it fails on a server error, a status code the document does not name, a
# response that breaks the documented schema or content type (what .ci/run holds the API
# to). --all-checks adds positive_data_acceptance: every request the schemas allow must be
# accepted, which also counts refusals the schemas cannot express (a query that does not
# parse, a user who does not exist); ARCHITECTURE.md gives its last count.
# It makes a throw-away data directory with a small demo population, a user holding every
# role (no second factor, so a token works), starts `chartroom serve`, mints a token with
# every permission and runs schemathesis with it. The venv lives in target/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib/serve.sh
bin="$(realpath "$1")"
examples="${2:-25}"
checks=not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance
if [ "${3:-}" = "--all-checks" ]; then
    checks="$checks,positive_data_acceptance"
fi
venv="$(realpath -m "${CARGO_TARGET_DIR:-target}/schemathesis-venv")"
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
work=$(mktemp -d)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
data="$work/data"
"$bin" --data-dir "$data" --durability normal demo --patients 40 --seed 5 >/dev/null
password="conformance-Passw0rd-$$"
printf '%s\n' "$password" | "$bin" --data-dir "$data" user add tester --admin \
    --role him-technician --role physician --role billing --role front-desk \
    --role public-health --role auditor --password-stdin >/dev/null
"$bin" --data-dir "$data" --durability normal serve --listen 127.0.0.1:0 --mfa-roles none \
    >"$work/serve.log" 2>&1 &
server_pid=$!
wait_for_serve "$work/serve.log"
token=$(mint_token tester "$password" schemathesis "$work/cookies")
# The first look-up of a code-set release loads it (seconds in a debug build); do it
# before the clock of any request runs.
curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"system":"icd10cm","code":"E11.9"}' "$base/api/codes/validate" >/dev/null
# Revoking tokens or disabling accounts would only sign the run out half-way; the
# operations are still checked by the server tests.
# From the scratch directory: schemathesis keeps its cache in the working directory.
cd "$work"
"$venv/bin/schemathesis" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" --request-timeout 120 \
    --exclude-path-regex '/api/(tokens/\{id\}/revoke|users/\{username\}/(disable|password|roles)|logout)' \
    --max-examples "$examples" --workers 1 --warnings off --no-color
