#!/usr/bin/env bash
# How long the transcriptionist's editor takes to open a 10-minute dictation in Chromium
# (issue 20: at most 1 s). Ten minutes of a progress note read by espeak-ng is uploaded and
# drafted by the real recogniser (PocketSphinx with the medical vocabulary), then
# editor-timing.js opens the editor as the technician, five times, and prints the figures.
#
# Usage: tools/browser-tests/editor-timing.sh CHARTROOM_BINARY
# Needs what the browser walk needs (Chromium, node, npm ci in tools/browser-tests) plus
# espeak-ng and pocketsphinx (as .ci/run installs them). The last figures are in ARCHITECTURE.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib/serve.sh
bin="$(realpath "$1")"
work=$(mktemp -d)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
data="$work/data"
"$bin" --data-dir "$data" --durability normal demo --patients 3 --seed 3 >/dev/null
password="Editor-Timing-Passw0rd-$$"
printf '%s\n' "$password" | "$bin" --data-dir "$data" user add tina \
    --role him-technician --password-stdin >/dev/null
read -r mrn encounter < <("$bin" --data-dir "$data" --json patient show 1 | python3 -c '
import json, sys
chart = json.load(sys.stdin)
print(chart["patient"]["record"]["mrn"], chart["encounters"][0]["meta"]["id"])')

# About 150 words a minute for ten minutes: one paragraph said over and over.
note="subjective the patient reports a cough for three days with low grade fever and mild shortness of breath on exertion no chest pain objective temperature thirty seven point eight pulse ninety two blood pressure one hundred twenty eight over seventy six lungs with scattered wheezes heart regular rate and rhythm assessment acute bronchitis plan albuterol inhaler two puffs every four hours as needed rest and fluids return if worse"
text=""
for _ in $(seq 1 23); do text="$text $note."; done
espeak-ng -v en-us -s 150 -w "$work/ten-minutes.wav" "$text"
seconds=$(python3 -c 'import sys,wave; w=wave.open(sys.argv[1]); print(round(w.getnframes()/w.getframerate()))' "$work/ten-minutes.wav")
id=$("$bin" --data-dir "$data" --json dictation add "$work/ten-minutes.wav" --patient "$mrn" \
    --encounter "$encounter" --type progress | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["id"])')
started=$(date +%s.%N)
"$bin" --data-dir "$data" dictation transcribe "$id" >/dev/null
drafted=$(python3 -c "import sys; print(round($(date +%s.%N) - $started, 1))")

"$bin" --data-dir "$data" --durability normal serve --listen 127.0.0.1:0 --mfa-roles none \
    >"$work/serve.log" 2>&1 &
server_pid=$!
wait_for_serve "$work/serve.log"
echo "a ${seconds} s recording drafted in ${drafted} s"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" node tools/browser-tests/editor-timing.js \
    "$base" tina "$password" "/dictations/$id"
