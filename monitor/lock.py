"""One writer at a time: a lock file next to the database (``monitor.db.lock``).

The lock is an exclusive ``flock`` on that file, so the kernel frees it the moment its holder
dies: a lock left by a killed process is simply taken over. The file records who holds it (pid,
command, since when) so a refused command can say what is running.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import LockedError


class DatabaseLock:
    """``with DatabaseLock(db_path, "monitor crawl"):`` — waits up to ``wait`` seconds, then refuses."""

    def __init__(self, db_path: str | Path, command: str, *, wait: float = 0.0) -> None:
        self.path = Path(f"{db_path}.lock")
        self.db_path = str(db_path)
        self.command = command
        self.wait = wait
        self.previous: dict[str, Any] | None = None  # what a dead holder had written, when one was taken over
        self._file: Any = None

    def holder(self) -> dict[str, Any] | None:
        """Who wrote the lock file last (the holder while the lock is held)."""
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8") or "null") or {}) or None
        except (OSError, ValueError):
            return None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open as long as the lock
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    file.close()
                    held = self.holder() or {}
                    who = f"{held.get('command', 'another process')} (pid {held.get('pid', '?')}," \
                          f" since {str(held.get('since', '?'))[:19]})"
                    raise LockedError(f"{self.db_path}: in use by {who}; one writer at a time: wait for it to"
                                      " finish or stop it") from None
                time.sleep(0.2)
        previous = self.holder()
        if previous and previous.get("pid") != os.getpid():
            self.previous = previous  # it died without releasing the lock (or released it without cleaning up)
        file.seek(0)
        file.truncate()
        file.write(json.dumps({"pid": os.getpid(), "command": self.command,
                               "since": datetime.now(UTC).isoformat(timespec="seconds")}))
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            self._file.flush()
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
