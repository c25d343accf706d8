"""A throwaway PostgreSQL server for the tests: `initdb` into a temporary folder, `pg_ctl start` on a free port
of 127.0.0.1, one fresh database per test. The binaries come from Debian's postgresql package (installed by
`scripts/system-deps.sh --with-postgres`, which `make test` runs). PostgreSQL refuses to run as root, so as root
the cluster belongs to the `postgres` system user (created by the package) and is run through `runuser`.

Without the binaries the PostgreSQL variants of the tests are skipped, unless HEARD_REQUIRE_POSTGRES=1 (set by
`make test`, and so in CI): then the test session fails loudly instead of silently testing SQLite only.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.network import free_port

SEARCH_PATHS = ["/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin"]


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them outside PATH), newest version first."""
    explicit = os.environ.get("HEARD_PG_BIN")
    candidates: list[Path] = []
    if explicit:
        candidates = [Path(explicit)]
        return candidates[0] if _complete(candidates[0]) else None
    for pattern in SEARCH_PATHS:
        root = Path("/")
        candidates += sorted(root.glob(pattern.lstrip("/")), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next((folder for folder in candidates if _complete(folder)), None)


def _complete(folder: Path) -> bool:
    return all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres", "createdb"))


def postgres_required() -> bool:
    return os.environ.get("HEARD_REQUIRE_POSTGRES", "") not in ("", "0")


class PostgresServer:
    """One cluster for the whole test session; `new_database()` gives each test its own empty database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="heard-pg-"))
        self.data = self.folder / "data"
        self.user = "postgres"
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        self._run("initdb", "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"heard_{os.getpid()}_{next(self._names)}"
        command = [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"createdb failed: {result.stderr}")
        return self.url(name)
