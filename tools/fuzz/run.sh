#!/usr/bin/env bash
# Fuzzes Chartroom's readers of outside input with cargo-fuzz (libFuzzer):
#   tools/fuzz/run.sh SECONDS [TARGET...]     (default: every target in fuzz/Cargo.toml)
# Each target runs SECONDS of wall time from a corpus seeded with the repository's and
# ../shared's sample files. A crash, a hang (-timeout) or an out-of-memory stops the run,
# names the input saved under fuzz/artifacts/TARGET/ and exits 1.
# The sanitizer is `none` unless FUZZ_SANITIZER says otherwise: the targets are safe Rust
# (plus bundled SQLite), and an uninstrumented build keeps CI's smoke run to minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${1:?usage: tools/fuzz/run.sh SECONDS [TARGET...]}
shift
shared="$root/../shared/data"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
# cargo-fuzz needs nightly for sanitizers; with --sanitizer none stable serves too.
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
fi
sanitizer=${FUZZ_SANITIZER:-none}

if [ $# -eq 0 ]; then
    set -- $(sed -n 's/^name = "\([a-z0-9_]*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^chartroom-fuzz$')
fi

corpus_root=${FUZZ_CORPUS:-fuzz/corpus}
# Absolute, because the fuzzer runs from fuzz/ and FUZZ_CORPUS may be either kind of path.
mkdir -p "$corpus_root"
corpus_root=$(cd "$corpus_root" && pwd)
# seed TARGET FILE [PREFIX-BYTE]: copies FILE into TARGET's corpus, behind a selector byte
# for the targets whose first byte picks what the rest is.
seed() {
    local dir="$corpus_root/$1" file=$2 name
    [ -f "$file" ] || return 0
    mkdir -p "$dir"
    name="$dir/seed-$(basename "$file")${3:+-$3}"
    if [ -n "${3:-}" ]; then
        { printf "\\$(printf '%03o' "$3")"; head -c 65536 "$file"; } > "$name"
    else
        head -c 65536 "$file" > "$name"
    fi
}
seed_all() {
    seed hl7_message tools/hl7/good.hl7
    seed hl7_message tools/hl7/bad.hl7
    if [ -f "$shared/hl7v2/izgateway_v2tofhir_messages.txt" ]; then
        mkdir -p "$corpus_root/hl7_message"
        awk -v dir="$corpus_root/hl7_message" '/^MSH/ { n++ } n { print > (dir "/seed-izgateway-" n) }' \
            "$shared/hl7v2/izgateway_v2tofhir_messages.txt"
    fi
    seed mllp_frames tools/hl7/good.hl7 16
    for f in crates/fhir/tests/it/data/*.json; do seed fhir_resource "$f"; done
    printf '%s' 'name=smith&birthdate=ge1970-01-01&_count=10&_sort=-birthdate' > /tmp/chartroom-fuzz-search
    seed fhir_search /tmp/chartroom-fuzz-search 0
    printf '%s' 'patient=Patient/1&code=http://loinc.org|1234-5&date=lt2020&_revinclude=Provenance:target' > /tmp/chartroom-fuzz-search
    seed fhir_search /tmp/chartroom-fuzz-search 7
    for f in tools/fuzz/seeds/query_language/*; do seed query_language "$f"; done
    for f in "$shared"/x12/samples/*/*; do seed x12_interchange "$f"; done
    local i=0 name
    for name in organizations payers providers patients payer_transitions encounters conditions \
        procedures immunizations observations medications allergies; do
        if [ -f "$shared/synthea/csv-27-patients/$name.csv" ]; then
            head -n 20 "$shared/synthea/csv-27-patients/$name.csv" > "/tmp/chartroom-fuzz-$name.csv"
            seed csv_import "/tmp/chartroom-fuzz-$name.csv" "$i"
        fi
        i=$((i + 1))
    done
    [ -f "$shared/cvx/cvx.tsv" ] && head -n 30 "$shared/cvx/cvx.tsv" > /tmp/chartroom-fuzz-cvx && seed code_set_files /tmp/chartroom-fuzz-cvx 1
    if [ -f "$shared/hcpcs/HCPC2026_JAN_ANWEB_01122026.txt.gz" ]; then
        { zcat "$shared/hcpcs/HCPC2026_JAN_ANWEB_01122026.txt.gz" || true; } | head -n 30 > /tmp/chartroom-fuzz-hcpcs
        seed code_set_files /tmp/chartroom-fuzz-hcpcs 0
    fi
    if [ -f "$shared/icd10cm/code-list-FY2026-April.txt.gz" ]; then
        { zcat "$shared/icd10cm/code-list-FY2026-April.txt.gz" || true; } | head -n 30 > /tmp/chartroom-fuzz-codes
        seed code_set_files /tmp/chartroom-fuzz-codes 9
    fi
    if [ -f "$shared/icd10cm/icd10cm-tabular-FY2026-April.xml.gz" ]; then
        { zcat "$shared/icd10cm/icd10cm-tabular-FY2026-April.xml.gz" || true; } | head -c 20000 > /tmp/chartroom-fuzz-tabular
        seed code_set_files /tmp/chartroom-fuzz-tabular 7
    fi
    rm -f /tmp/chartroom-fuzz-*
}
seed_all

# Inputs that once failed are kept in fuzz/regressions/TARGET and must all pass first.
status=0
for target in "$@"; do
    mkdir -p "$corpus_root/$target"
    echo "fuzz: $target for ${seconds}s"
    regressions=()
    [ -d "fuzz/regressions/$target" ] && regressions=("fuzz/regressions/$target")
    if ! (cd fuzz && cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" "$target" \
        "$corpus_root/$target" "${regressions[@]/#/$root/}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 2>&1 | tail -n 25); then
        echo "fuzz: $target FAILED; the input is under fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit $status
