# Shared by the scripts that drive a running `chartroom serve` (sourced, not run).
#
# wait_for_serve LOG: waits for the server writing LOG to answer its health check and sets
# `base` to its address; fails naming the log when it does not start.
wait_for_serve() {
    base=""
    for _ in $(seq 1 150); do
        base=$(grep -oE 'Serving Chartroom on http://[^/ ]+' "$1" | grep -oE 'http://.*' | head -n1 || true)
        [ -n "$base" ] && curl -fsS "$base/api/health" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "chartroom serve did not start:" >&2
    cat "$1" >&2
    return 1
}

# mint_token USER PASSWORD NAME COOKIE_JAR: signs USER in at `base` and prints a one-day API
# token named NAME holding every permission the user has.
mint_token() {
    local permissions
    permissions=$(curl -fsS -c "$4" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" "$base/api/login" |
        python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["permissions"]))')
    curl -fsS -b "$4" -H "origin: $base" -H 'content-type: application/json' \
        -d "{\"name\":\"$3\",\"permissions\":$permissions,\"days\":1}" "$base/api/tokens" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# The PostgreSQL server the scripts make their databases on.
admin_url="${CHARTROOM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# store_for BACKEND DATA_DIR NAME: sets `store` to chartroom's store flags for BACKEND (sqlite
# or postgres); for postgres it makes a new database NAME on `admin_url`'s server and sets
# `database` to it, for the caller to drop when done.
store_for() {
    store=(--data-dir "$2")
    database=""
    case "$1" in
        sqlite) ;;
        postgres)
            database="$3"
            psql "$admin_url" -qAtc "create database $database" >/dev/null
            store+=(--database "${admin_url%/*}/$database")
            ;;
        *) echo "backend must be sqlite or postgres, not $1" >&2; exit 2 ;;
    esac
}
