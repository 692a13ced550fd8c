# Shared set-up, sourced by scripts/serve and scripts/test.
#
# Installs the Python environment in .venv and makes sure a PostgreSQL server is reachable,
# in this order: DATABASE_URL if set; a server on the local socket or 127.0.0.1:5432 that
# accepts the current user; otherwise a private cluster in .pgdata/ started from the
# machine's PostgreSQL binaries. Exports DATABASE_URL for what follows.

set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$PROJECT_DIR"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_venv() {
    local extras="$1"
    local stamp=".venv/.installed-$extras"
    if [ ! -x .venv/bin/python ]; then
        say "Creating the Python environment in .venv"
        python3 -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "Installing dependencies ($extras)"
        .venv/bin/python -m pip install --quiet --upgrade pip
        # No bytecode compiled for every file installed: Python compiles what it imports.
        .venv/bin/python -m pip install --quiet --no-compile -e ".[$extras]"
        touch "$stamp"
    fi
    export PATH="$PROJECT_DIR/.venv/bin:$PATH"
    # Bytecode written as Python compiles what it imports, even where the environment says not
    # to: the tests start dozens of Python processes (workers, manage.py commands, gunicorn's
    # workers), each of which would otherwise compile Django and the rest again, seconds each.
    unset PYTHONDONTWRITEBYTECODE
}

pg_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
}

install_postgres() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "PostgreSQL is not installed: installing Debian's postgresql and postgresql-contrib"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib >/dev/null
        # Debian starts its own cluster on install; this project uses a private one.
        return
    fi
    cat >&2 <<'MSG'
PostgreSQL (15 or newer, with its contrib extensions) is needed and was not found.
Install it, then run this command again:
    Debian/Ubuntu:  sudo apt-get install postgresql postgresql-contrib
    Fedora:         sudo dnf install postgresql-server postgresql-contrib
    macOS:          brew install postgresql@15
Or point DATABASE_URL at an existing server: DATABASE_URL=postgres://user:password@host:5432/catalogue
MSG
    exit 1
}

# What the tests use besides Python and PostgreSQL, installed from Debian's packages in one go
# when run as root: Chromium's headless shell, which the browser tests drive (Playwright cannot
# download browsers here; or set CHROMIUM_PATH to another Chromium), and redis-server, for the
# shared cache's tests (skipped without it). The headless shell is Chromium's engine without the
# browser around it: the browser tests take a third less of the cores than with `chromium`.
ensure_test_packages() {
    if [ -z "${CHROMIUM_PATH:-}" ]; then
        CHROMIUM_PATH=/usr/bin/chromium-headless-shell
        # Where nothing can be installed, the whole browser, if there, does as well.
        if [ ! -x "$CHROMIUM_PATH" ] && [ "$(id -u)" != 0 ] && [ -x /usr/bin/chromium ]; then
            CHROMIUM_PATH=/usr/bin/chromium
        fi
    fi
    export CHROMIUM_PATH
    local missing=()
    [ -x "$CHROMIUM_PATH" ] || missing+=(chromium-headless-shell)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    [ ${#missing[@]} = 0 ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "Installing Debian's ${missing[*]} for the tests"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
            # A system without the headless shell's package: the whole browser does as well.
            [[ " ${missing[*]} " == *" chromium-headless-shell "* ]] || exit 1
            say "No chromium-headless-shell here: installing chromium instead"
            missing=("${missing[@]/chromium-headless-shell/chromium}")
            export CHROMIUM_PATH=/usr/bin/chromium
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        fi
        return
    fi
    if [ ! -x "$CHROMIUM_PATH" ]; then
        cat >&2 <<MSG
The browser tests need Chromium and it was not found at $CHROMIUM_PATH.
Install it (Debian: sudo apt-get install chromium-headless-shell, or chromium) or set
CHROMIUM_PATH to its executable.
MSG
        exit 1
    fi
    say "redis-server not found (Debian/Ubuntu: sudo apt-get install redis-server): the shared cache's tests are skipped"
}

# Connect as the current user to a server on the default socket or 127.0.0.1:5432.
existing_server_url() {
    command -v psql >/dev/null 2>&1 || return 1
    if psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1 </dev/null; then
        echo "postgres:///catalogue"
    elif psql -X -q -h 127.0.0.1 -d postgres -c 'select 1' >/dev/null 2>&1 </dev/null; then
        echo "postgres://127.0.0.1:5432/catalogue"
    else
        return 1
    fi
}

# A private cluster owned by the current user (or by `postgres` when run as root, since
# initdb refuses root). It listens on a Unix socket inside the data folder only, so it never
# clashes with another server on this machine.
start_private_cluster() {
    local bindir data run owner as_owner
    bindir="$(pg_bindir)"
    [ -n "$bindir" ] || { install_postgres; bindir="$(pg_bindir)"; }
    [ -n "$bindir" ] || { echo "PostgreSQL binaries not found after install." >&2; exit 1; }

    data="$PROJECT_DIR/.pgdata/data"
    run="$PROJECT_DIR/.pgdata/run"
    as_owner=()
    owner="$(id -un)"
    if [ "$(id -u)" = 0 ]; then
        owner=postgres
        as_owner=(runuser -u postgres --)
        # The cluster's owner must be able to reach the project folder; if it cannot,
        # keep the cluster under /tmp instead.
        if ! runuser -u postgres -- test -x "$PROJECT_DIR"; then
            local key
            key="$(printf '%s' "$PROJECT_DIR" | md5sum | cut -c1-12)"
            data="/tmp/catalogue-pg-$key/data"
            run="/tmp/catalogue-pg-$key/run"
        fi
    fi
    mkdir -p "$(dirname "$data")" "$run"
    [ "$owner" = "$(id -un)" ] || chown "$owner" "$(dirname "$data")" "$run"

    if [ ! -f "$data/PG_VERSION" ]; then
        say "Creating a private PostgreSQL cluster in $data"
        "${as_owner[@]}" "$bindir/initdb" -D "$data" -U "$owner" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "Starting the private PostgreSQL cluster"
        "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$(dirname "$data")/server.log" -w \
            -o "-c listen_addresses='' -c unix_socket_directories='$run' -c fsync=off" start >/dev/null
    fi
    local encoded
    encoded="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$run")"
    echo "postgres://$owner@$encoded/catalogue"
}

# Remember a local setting in .env (ignored by git), so that `python manage.py …` run by hand
# finds the same database and key. Variables set in the environment always win.
remember() {
    local name="$1" value="$2"
    touch .env
    grep -v "^$name=" .env > .env.tmp || true
    printf '%s=%s\n' "$name" "$value" >> .env.tmp
    mv .env.tmp .env
}

ensure_database() {
    if [ -z "${DATABASE_URL:-}" ]; then
        DATABASE_URL="$(existing_server_url || start_private_cluster)"
        remember DATABASE_URL "$DATABASE_URL"
    fi
    export DATABASE_URL
    # Create the database if the server does not have it yet.
    python - <<'PY'
import os, sys
import dj_database_url, psycopg
from psycopg import sql

cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
params = {k: v for k, v in {
    "host": cfg["HOST"], "port": cfg["PORT"] or None, "user": cfg["USER"] or None,
    "password": cfg["PASSWORD"] or None,
}.items() if v}
try:
    psycopg.connect(dbname=cfg["NAME"], connect_timeout=10, **params).close()
    sys.exit(0)
except psycopg.OperationalError:
    pass
try:
    conn = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **params)
except psycopg.OperationalError as error:
    sys.exit(f"Cannot reach PostgreSQL at DATABASE_URL: {error}")
with conn:
    exists = conn.execute("select 1 from pg_database where datname = %s", [cfg["NAME"]]).fetchone()
    if not exists:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(cfg["NAME"])))
PY
}
