"""Writing files so that a reader never sees one half-written and a failure loses nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomic"]


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import: changing the umask is not thread-safe


def write_text_atomic(path: str | os.PathLike[str], text: str, *, fsync: bool = False,
                      newline: str | None = None) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    The old file stays whole until the new one is complete; on failure the temporary file is
    removed and ``OSError`` propagates (callers add what was being written). ``fsync=True``
    flushes the data to disk before the rename. A device or a pipe (``/dev/null``, a FIFO) is
    written to directly: it is never replaced by a regular file.
    """
    path = Path(path)
    try:
        special = path.exists() and not path.is_file() and not path.is_dir()
    except OSError:
        special = False
    if special:
        with open(path, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        return
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
