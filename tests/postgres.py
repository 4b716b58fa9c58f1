"""A throwaway PostgreSQL server for the tests: `initdb` and `pg_ctl` (Debian's `postgresql`
package) on a temporary folder and a free loopback port, with a password, torn down after the
session. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.

`ANNOTATOR_TEST_PG=postgresql://user:password@host:port/dbname` uses a server of your own
instead (the tests create databases on it). With neither, the PostgreSQL tests skip, except
under CI (`CI=true`), where a missing server fails the run (tests/conftest.py). The benchmarks
start their server here too.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "annotator"
PASSWORD = "throwaway-test-password"
HOW = (
    "PostgreSQL tests need Debian's postgresql package (initdb, pg_ctl: apt-get install postgresql)"
    " or ANNOTATOR_TEST_PG=postgresql://user:password@host:port/dbname"
)


class Unavailable(Exception):
    """No server can be started here (the message says how to get one)."""


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server and the URL of its maintenance database."""

    def __init__(self, url: str, stop=None, restart=None, down=None):
        self.url = url
        self._stop = stop
        self._restart = restart
        self._down = down

    def database(self) -> str:
        """A new empty database on the server: its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        if self._stop:
            self._stop()

    def restart(self) -> bool:
        """Restart the server, dropping every connection (False: a server of your own, left alone)."""
        if self._restart:
            self._restart()
        return self._restart is not None

    @contextmanager
    def down(self) -> Iterator[None]:
        """The server stopped for the block (every connection dropped), started again after it;
        a server of your own cannot be stopped (pytest skips the test)."""
        import pytest

        if self._down is None:
            pytest.skip("ANNOTATOR_TEST_PG: a server of your own is not stopped by the tests")
        stop, start = self._down
        stop()
        try:
            yield
        finally:
            start()


def start() -> Server:
    """A running server (Unavailable when there is none to start)."""
    if own := os.environ.get("ANNOTATOR_TEST_PG"):
        return Server(own)
    folder = _binaries()
    if folder is None:
        raise Unavailable(HOW)
    run_as: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(work, postgres.pw_uid, postgres.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = work / "data", _free_port()
    pwfile = work / "pw"
    pwfile.write_text(PASSWORD)
    if run_as:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)

    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={work} -c fsync=on -c max_connections=50"

    def run(*args: str) -> None:
        subprocess.run([*run_as, *args], check=True, capture_output=True, text=True)

    try:
        run(
            str(folder / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(work / "log"), "-w", "start", "-o", options)
    except subprocess.CalledProcessError as exc:
        log = (work / "log").read_text() if (work / "log").exists() else ""
        shutil.rmtree(work, ignore_errors=True)
        raise Unavailable(f"PostgreSQL did not start: {exc.stderr or exc.stdout}{log[-2000:]}") from None

    def stop() -> None:
        subprocess.run(
            [*run_as, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(work, ignore_errors=True)

    def restart() -> None:
        run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(work / "log"), "-m", "fast", "-w", "restart")

    def halt() -> None:
        run(str(folder / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    def resume() -> None:
        run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(work / "log"), "-w", "start", "-o", options)

    return Server(f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres", stop, restart, (halt, resume))


def for_bench(script: str) -> Server:
    """A benchmark's server; without one, the benchmark stops saying how to get one (exit 1)."""
    try:
        return start()
    except Unavailable as exc:
        raise SystemExit(f"{script}: {exc}") from None


def for_tests() -> Server:
    """The tests' server: skips without one, and fails under CI (`CI=true`) instead."""
    import pytest

    try:
        return start()
    except Unavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and no PostgreSQL server: {exc}")
        pytest.skip(str(exc))
