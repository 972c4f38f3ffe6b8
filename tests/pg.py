"""A throwaway PostgreSQL server for the test suite.

`start_server()` runs initdb into a temporary folder, starts the server on a
free local port with password authentication, and returns its URL; `stop()`
shuts it down and removes the folder. initdb and postgres refuse to run as
root, and CI runs as root, so there they run as the unprivileged `postgres`
user that Debian's package creates. Nothing is mocked: the tests talk to a
real server over TCP.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    url: str  # postgresql+psycopg://tracker:PASSWORD@127.0.0.1:PORT/postgres
    safe_url: str
    version: str
    folder: Path
    bindir: Path
    user: str | None

    def stop(self) -> None:
        _run([self.bindir / "pg_ctl", "-D", self.folder / "data", "-m", "immediate", "stop"], self.user,
             check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def find_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _run(cmd, user: str | None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], user=user, check=check, capture_output=True, text=True,
                          cwd="/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> Server | None:
    bindir = find_bindir()
    if bindir is None:
        return None
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    password = secrets.token_hex(12)
    (folder / "pw").write_text(password)
    if user:
        shutil.chown(folder, user)
        shutil.chown(folder / "pw", user)
    try:
        _run([bindir / "initdb", "-D", folder / "data", "-U", "tracker", "-E", "UTF8", "--locale=C",
              "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={folder / 'pw'}", "--no-sync"], user)
        port = _free_port()
        opts = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _run([bindir / "pg_ctl", "-D", folder / "data", "-o", opts, "-l", folder / "log", "-w", "start"], user)
    except subprocess.CalledProcessError as exc:
        print(f"could not start PostgreSQL: {exc.stderr.strip()[-500:]}")
        shutil.rmtree(folder, ignore_errors=True)
        return None
    version = _run([bindir / "postgres", "--version"], user).stdout.split()[2]
    url = f"postgresql+psycopg://tracker:{password}@127.0.0.1:{port}/postgres"
    return Server(url, url.replace(password, "***"), version, folder, bindir, user)


def fresh_database(server_url: str) -> str:
    """A new empty database on the test server; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "t_" + uuid.uuid4().hex[:16]
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
