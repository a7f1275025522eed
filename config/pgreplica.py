"""A throwaway PostgreSQL primary and a streaming replica of it, from the pgserver wheel's
binaries: for the replica tests (tests/replica) and `make reliability`. Never the shared
development server, which is left as `make run` configured it.

    servers = ReplicatedPostgres(ROOT / "var" / "replica-x")
    servers.start(database="hashar_replica", load=dump_file)   # primary, base backup, replica
    servers.primary_url, servers.replica_url
    servers.pause_replay() / servers.resume_replay()          # a replica that falls behind
    servers.stop_replica() / servers.start_replica()
    servers.stop()

The primary runs with wal_level=replica and a replication entry in pg_hba (initdb's own
`host replication all 127.0.0.1/32 trust`, checked); the replica is made by `pg_basebackup -R`
(standby.signal and primary_conninfo written for it) and streams from the primary.
No Django import here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from config.devservices import PG_SYSTEM_USER, _pg_bin


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReplicatedPostgres:
    def __init__(self, root: Path):
        self.root = root
        self.primary_dir, self.replica_dir = root / "primary", root / "replica"
        self.primary_port, self.replica_port = _free_port(), _free_port()
        self.database = ""
        self.run_as: dict = {}

    @classmethod
    def attach(cls, root: Path, *, primary_port: int, replica_port: int,
               database: str) -> ReplicatedPostgres:
        """The servers another process started (the replica checks run in a subprocess)."""
        servers = cls(root)
        servers.primary_port, servers.replica_port = primary_port, replica_port
        servers.database = database
        servers.run_as = servers._unprivileged()
        return servers

    def environ(self) -> dict[str, str]:
        """What `attach()` needs, for a subprocess."""
        return {"HASHAR_REPLICA_ROOT": str(self.root),
                "HASHAR_REPLICA_PORTS": f"{self.primary_port},{self.replica_port}",
                "HASHAR_REPLICA_DATABASE": self.database}

    @classmethod
    def from_environ(cls) -> ReplicatedPostgres:
        primary, replica = os.environ["HASHAR_REPLICA_PORTS"].split(",")
        return cls.attach(Path(os.environ["HASHAR_REPLICA_ROOT"]), primary_port=int(primary),
                          replica_port=int(replica),
                          database=os.environ["HASHAR_REPLICA_DATABASE"])

    # --- life ------------------------------------------------------------------------------

    def start(self, *, database: str, load: Path | None = None) -> None:
        """Create the primary (with `database`, restored from the `pg_dump -Fc` file `load`),
        copy it with pg_basebackup, start the replica; return once it streams."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.run_as = self._unprivileged()
        self.database = database
        self._run([_pg_bin("initdb"), "-D", str(self.primary_dir), "-U", "postgres",
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        hba = (self.primary_dir / "pg_hba.conf").read_text()
        if "replication" not in "".join(line for line in hba.splitlines()
                                         if line.startswith("host")):
            with (self.primary_dir / "pg_hba.conf").open("a") as out:
                out.write("host replication all 127.0.0.1/32 trust\n")
        self._ctl(self.primary_dir, self.primary_port, "start",
                  "-c wal_level=replica -c max_wal_senders=5 -c wal_keep_size=64MB")
        self._psql(self.primary_port, f'CREATE DATABASE "{database}"')
        if load is not None:
            subprocess.run([_pg_bin("pg_restore"), "--no-owner", "-h", "127.0.0.1", "-p",
                            str(self.primary_port), "-U", "postgres", "-d", database,
                            str(load)], check=True, stdout=subprocess.DEVNULL)
        self._run([_pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                   "-U", "postgres", "-D", str(self.replica_dir), "-R", "-X", "stream",
                   "--checkpoint=fast"])
        self.start_replica()

    def start_replica(self) -> None:
        self._ctl(self.replica_dir, self.replica_port, "start", "-c hot_standby=on")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.replica_query("SELECT pg_is_in_recovery() AND EXISTS "
                                  "(SELECT 1 FROM pg_stat_wal_receiver)") == "t":
                return
            time.sleep(0.2)
        raise RuntimeError(f"the replica did not start streaming; see {self.root}")

    def stop_replica(self, mode: str = "immediate") -> None:
        self._ctl(self.replica_dir, self.replica_port, "stop", mode=mode)

    def stop(self) -> None:
        for data, port in ((self.replica_dir, self.replica_port),
                           (self.primary_dir, self.primary_port)):
            if (data / "postmaster.pid").exists():
                self._ctl(data, port, "stop", mode="fast", check=False)

    def clean(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- what the checks need --------------------------------------------------------------

    @property
    def primary_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.primary_port}/{self.database}"

    @property
    def replica_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.replica_port}/{self.database}"

    def replica_query(self, sql: str) -> str:
        result = subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p",
                                 str(self.replica_port), "-U", "postgres", "-d",
                                 self.database or "postgres", "-tAXc", sql],
                                capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    def pause_replay(self) -> None:
        self._psql(self.replica_port, "SELECT pg_wal_replay_pause()", self.database)

    def resume_replay(self) -> None:
        self._psql(self.replica_port, "SELECT pg_wal_replay_resume()", self.database)

    def caught_up(self) -> bool:
        """Whether the replica has replayed everything the primary wrote so far."""
        lsn = subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                              "-U", "postgres", "-tAXc", "SELECT pg_current_wal_lsn()"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return self.replica_query(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t"

    def wait_caught_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.caught_up():
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not catch up")
            time.sleep(0.1)

    # --- plumbing --------------------------------------------------------------------------

    def _unprivileged(self) -> dict:
        """PostgreSQL refuses to run as root: as the dev servers' unprivileged user then."""
        if os.geteuid() != 0:
            return {}
        try:
            import pwd  # noqa: PLC0415

            pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", PG_SYSTEM_USER],
                           check=True)
        shutil.chown(self.root, PG_SYSTEM_USER, PG_SYSTEM_USER)
        for parent in self.root.parents:
            parent.chmod(parent.stat().st_mode | 0o011)
        bindir = Path(_pg_bin("postgres")).parent.parent
        for path in [bindir, *bindir.parents]:
            path.chmod(path.stat().st_mode | 0o011)
        return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER}

    def _run(self, command: list[str]) -> None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **self.run_as)

    def _ctl(self, data: Path, port: int, action: str, options: str = "", *,
             mode: str = "fast", check: bool = True) -> None:
        command = [_pg_bin("pg_ctl"), "-D", str(data), "-w", "-t", "60"]
        if action == "start":
            command += ["-l", str(data.parent / f"{data.name}.log"), "-o",
                        f"-h 127.0.0.1 -p {port} -k {self.root} -c max_connections=100 "
                        f"{options}", "start"]
        else:
            command += ["-m", mode, action]
        subprocess.run(command, check=check, stdout=subprocess.DEVNULL, **self.run_as)

    def _psql(self, port: int, sql: str, database: str = "postgres") -> None:
        subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "-d", database, "-qXc", sql], check=True, stdout=subprocess.DEVNULL)
