"""Leadership: exactly one process among all workers does a job (the scheduler, the results sender), and another
takes over when that process dies.

Why locks the operating system or the database server releases, and no leader row with a heartbeat: a process
killed with SIGKILL runs no clean-up code, so only a lock its death releases hands over at once and never twice.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection, held while
  leading. When the process dies its connection closes and the server releases the lock.
- SQLite (one machine): an OS file lock (`flock`) on a file next to the database file, released by the kernel
  when the process dies.

Usage::

    lead = Leadership(settings.storage.database_url, "scheduler")
    await lead.wait()                   # returns once this process leads (polls every `poll_interval` seconds)
    try:
        while await lead.still_leading():
            ...                         # do the leader's work
    finally:
        await lead.release()

or `async with Leadership(url, "scheduler") as lead: if lead.is_leader: ...` (one non-blocking try on entry,
released on exit), or `await lead.try_acquire()` in a loop of one's own. No schema is needed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["Leadership", "advisory_key"]


def advisory_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for a leadership name."""
    digest = hashlib.sha256(f"heard-leadership:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _url_of(target: object) -> str:
    if isinstance(target, AsyncEngine):
        return target.url.render_as_string(hide_password=False)
    if isinstance(target, str):
        return target
    storage = getattr(target, "storage", None)  # Settings
    if storage is not None:
        return str(storage.database_url)
    raise TypeError(f"Leadership needs a database URL, an AsyncEngine or Settings, not {type(target).__name__}")


class Leadership:
    """One named leadership among all processes using the same database."""

    def __init__(self, database: str | AsyncEngine | object, name: str, *, poll_interval: float = 2.0) -> None:
        if not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError("a leadership name is letters, digits, '-' and '_'")
        self.name = name
        self.poll_interval = poll_interval
        self._url = make_url(_url_of(database))
        self._is_postgres = self._url.get_backend_name() == "postgresql"
        self._connection = None  # asyncpg connection while leading on PostgreSQL
        self._fd: int | None = None  # locked file while leading on SQLite
        self._guard = asyncio.Lock()

    @property
    def is_leader(self) -> bool:
        return self._connection is not None or self._fd is not None

    @property
    def lock_file(self) -> Path:
        """On SQLite: the file whose lock is the leadership, beside the database file."""
        database = self._url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            return path.with_name(f"{path.name}.{self.name}.lock")
        return Path(tempfile.gettempdir()) / f"heard-memory-{os.getuid()}.{self.name}.lock"

    async def try_acquire(self) -> bool:
        """Become the leader if nobody is; True if this process leads (now or already)."""
        async with self._guard:
            if self.is_leader:
                return True
            if self._is_postgres:
                return await self._try_postgres()
            return await asyncio.to_thread(self._try_file)

    async def wait(self) -> None:
        """Return once this process leads: try now, then every `poll_interval` seconds (takeover)."""
        while not await self.try_acquire():
            await asyncio.sleep(self.poll_interval)

    async def still_leading(self) -> bool:
        """Check that the lock is still held (on PostgreSQL: the dedicated connection is alive); a leader that
        lost its connection stops leading, and the caller should go back to `wait()`."""
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection.fetchval("SELECT 1"), timeout=10)
            except Exception:
                await self.release()
                return False
        return self.is_leader

    async def release(self) -> None:
        """Stop leading (another process may take over at its next try)."""
        async with self._guard:
            connection, self._connection = self._connection, None
            if connection is not None:
                try:
                    await connection.execute("SELECT pg_advisory_unlock($1)", advisory_key(self.name))
                except Exception:  # the connection is gone: so is the lock
                    pass
                finally:
                    await _close_quietly(connection)
            fd, self._fd = self._fd, None
            if fd is not None:
                os.close(fd)  # closing the descriptor drops the flock

    async def __aenter__(self) -> Leadership:
        await self.try_acquire()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.release()

    # ------------------------------------------------------------------------------------------- backends

    async def _try_postgres(self) -> bool:
        import asyncpg

        url = self._url.set(drivername="postgresql")
        connection = await asyncpg.connect(url.render_as_string(hide_password=False))
        try:
            got = await connection.fetchval("SELECT pg_try_advisory_lock($1)", advisory_key(self.name))
        except BaseException:
            await _close_quietly(connection)
            raise
        if not got:
            await _close_quietly(connection)
            return False
        self._connection = connection
        return True

    def _try_file(self) -> bool:
        import fcntl

        path = self.lock_file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True


async def _close_quietly(connection) -> None:  # type: ignore[no-untyped-def]
    try:
        await asyncio.wait_for(connection.close(), timeout=5)
    except Exception:
        connection.terminate()
