"""Checks on the `files` a caller asks a backend to place in the work dir, and
the memfd that carries bytes into a sandbox."""
from __future__ import annotations

import os
import posixpath


def checked_files(files: dict[str, bytes] | None) -> dict[str, bytes]:
    """`files` with every path normalised and proven to stay inside the work dir.
    Raises ValueError for absolute paths, `..` escapes and non-bytes content."""
    out: dict[str, bytes] = {}
    for path, data in (files or {}).items():
        norm = posixpath.normpath(path)
        if not path or path.startswith("/") or norm == "." or norm.startswith("../") or norm == "..":
            raise ValueError(f"sandbox file path {path!r} must be relative and stay inside the work dir")
        if not isinstance(data, (bytes, bytearray)):
            raise ValueError(f"sandbox file {path!r}: content must be bytes, not {type(data).__name__}")
        out[norm] = bytes(data)
    return out


def parent_dirs(paths) -> list[str]:
    """Every directory that must exist for `paths`, parents first."""
    dirs: set[str] = set()
    for path in paths:
        parent = posixpath.dirname(path)
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = posixpath.dirname(parent)
    return sorted(dirs, key=lambda d: (d.count("/"), d))


def memfd(data: bytes, name: str = "proctor") -> int:
    """An fd (close-on-exec, so inherited only where passed on purpose) holding
    `data`, positioned at its start."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    with memoryview(data) as view:
        while view:
            view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
