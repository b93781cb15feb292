#!/usr/bin/env bash
# The whole test suite: every crate's tests on SQLite, and on PostgreSQL when
# CHARTROOM_TEST_POSTGRES_URL names a server (.ci/run always sets it).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${CHARTROOM_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q; then
    export CHARTROOM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres
fi
# The FHIR API's answers are kept for the schema check below.
fhir_api_samples=$(mktemp -d)
export CHARTROOM_FHIR_SAMPLES="$fhir_api_samples"
# The X12 files the claims tests write are kept for pyx12 below.
x12_samples=$(mktemp -d)
export CHARTROOM_X12_SAMPLES="$x12_samples"
trap 'rm -rf "$fhir_api_samples" "$x12_samples"' EXIT
cargo test --workspace

# Every FHIR resource Chartroom emits must pass the official R4 JSON schema: the API's
# answers kept by the server tests (fhir_schema.rs), and an NDJSON export of a small demo
# population plus the bundles in crates/fhir/tests/it/data (a trimmed Synthea
# patient; payer, coverage and medication statement) as NDJSON and validate it with an
# external validator (AJV).
if command -v node >/dev/null 2>&1; then
    npm ci --prefix tools/fhir-validate --no-audit --no-fund --silent
    fhir_tmp=$(mktemp -d)
    trap 'rm -rf "$fhir_tmp" "$fhir_api_samples" "$x12_samples"' EXIT
    cargo run --quiet -p chartroom -- --data-dir "$fhir_tmp/data" demo --patients 20 --seed 3 >/dev/null
    cargo run --quiet -p chartroom -- --data-dir "$fhir_tmp/data" import --fhir crates/fhir/tests/it/data >/dev/null
    cargo run --quiet -p chartroom -- --data-dir "$fhir_tmp/data" export --ndjson "$fhir_tmp/ndjson" >/dev/null
    node tools/fhir-validate/validate.js "$fhir_tmp/ndjson" "$fhir_api_samples"
elif [ -n "${CI:-}" ]; then
    echo "node not found: CI must run the FHIR schema validation" >&2
    exit 1
else
    echo "node not found: FHIR schema validation skipped" >&2
fi

# The web pages in a real browser: Playwright (npm playwright-core) driving Debian's
# Chromium through each role's main path (see the header of run.js). A picture of every
# page it checks is kept in target/browser-screenshots (or $SCREENSHOTS), so a layout
# regression can be seen after the run.
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if command -v node >/dev/null 2>&1 && [ -x "$chromium_bin" ]; then
    npm ci --prefix tools/browser-tests --no-audit --no-fund --silent
    cargo build -q -p chartroom
    screenshots="${SCREENSHOTS:-${CARGO_TARGET_DIR:-target}/browser-screenshots}"
    rm -rf "$screenshots"
    SCREENSHOTS="$screenshots" CHROMIUM="$chromium_bin" node tools/browser-tests/run.js "${CARGO_TARGET_DIR:-target}/debug/chartroom"
elif [ -n "${CI:-}" ]; then
    echo "node or $chromium_bin not found: CI must run the browser tests" >&2
    exit 1
else
    echo "node or $chromium_bin not found: the browser tests were skipped" >&2
fi

# A venv under target/ holding a PyPI package, made once: python_venv NAME PACKAGE COMMAND.
python_venv() {
    local venv="${CARGO_TARGET_DIR:-target}/$1"
    if [ ! -x "$venv/bin/$3" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "$2"
    fi
    echo "$venv"
}

# Python checks need python3; CI must have it, elsewhere they are skipped with a word.
python_or_skip() {
    if command -v python3 >/dev/null 2>&1; then
        return 0
    elif [ -n "${CI:-}" ]; then
        echo "python3 not found: CI must run the $1" >&2
        exit 1
    fi
    echo "python3 not found: the $1 was skipped" >&2
    return 1
}

# X12: every 837 the claims tests wrote (a demo population's claims, a 1,000-claim batch)
# must pass pyx12 (PyPI), an independent X12 5010 validator; see tools/x12/README.md.
if python_or_skip "pyx12 check"; then
    venv=$(python_venv x12-venv pyx12 x12valid)
    "$venv/bin/python" tools/x12/validate.py "$venv/bin/x12valid" "$x12_samples"
fi

# HL7 v2: python-hl7's mllp_send as a real client against `chartroom mllp` (every sample
# ACKed AA, a bad message AE, `chartroom hl7 vxu` and a reportable case's ORU^R01 from
# `chartroom report case send --oru -` re-parsed by python-hl7).
if python_or_skip "mllp_send check"; then
    venv=$(python_venv hl7-venv hl7 mllp_send)
    cargo build -q -p chartroom
    "$venv/bin/python" tools/hl7/mllp_check.py "${CARGO_TARGET_DIR:-target}/debug/chartroom" "$venv/bin/mllp_send" "$venv/bin/python"
fi

# Surveillance: the detection methods' expected values written again by the reference
# implementations themselves, CDC's pynssp (PyPI) and R's surveillance package (Debian
# r-cran-surveillance), and the oracle test run on that fresh file (every statistic within
# 1e-6); see tools/surveillance-oracle.
if python_or_skip "surveillance oracle"; then
    if command -v Rscript >/dev/null 2>&1; then
        venv="${CARGO_TARGET_DIR:-target}/surveillance-venv"
        # pynssp 0.1.0's alert_nbinom indexes a Series by position (params[-1]), which
        # pandas 3 refuses: the venv keeps pandas 2.
        if ! "$venv/bin/python" -c "import pynssp, pandas; assert int(pandas.__version__.split('.')[0]) < 3" >/dev/null 2>&1; then
            python3 -m venv "$venv"
            "$venv/bin/pip" install -q "pynssp==0.1.0" "pandas<3" requests
        fi
        oracle=$(mktemp)
        "$venv/bin/python" tools/surveillance-oracle/oracle.py "$oracle"
        CHARTROOM_SURVEILLANCE_ORACLE="$oracle" cargo test -q -p surveillance --test it oracle
        rm -f "$oracle"
    elif [ -n "${CI:-}" ]; then
        echo "Rscript not found: CI must run the surveillance oracle" >&2
        exit 1
    else
        echo "Rscript not found: the surveillance oracle was skipped" >&2
    fi
fi

# The JSON API against its own document: schemathesis (PyPI) sends the requests
# /api/openapi.json allows, with a token holding every permission, and fails on a server
# error, an undocumented status code or a response that breaks the documented schema; see
# tools/api-conformance/run.sh.
if python_or_skip "API conformance run"; then
    cargo build -q -p chartroom
    tools/api-conformance/run.sh "${CARGO_TARGET_DIR:-target}/debug/chartroom" 10
fi
