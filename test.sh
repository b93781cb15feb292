#!/usr/bin/env bash
# The whole test suite: every crate's tests on SQLite, and on PostgreSQL when
# CHARTROOM_TEST_POSTGRES_URL names a server (.ci/run always sets it).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${CHARTROOM_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q; then
    export CHARTROOM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres
fi
cargo test --workspace
