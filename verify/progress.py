"""Progress on long work: a one-line bar on stderr, only for a person watching.

``wanted()`` is true when stderr is a terminal and ``CI`` is unset, so logs and pipes never get
carriage returns. ``meter(label)`` returns the callback the kernel's rules call with (done, total),
drawing ``label [#######.......] 12/64  0:03 elapsed, ~0:09 left`` and erasing it when done.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import Callable

BAR = 24


def wanted() -> bool:
    """Progress goes to stderr only when it is a terminal and CI is unset."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def clock(seconds: float) -> str:
    """'m:ss' (or 'h:mm:ss')."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def meter(label: str, enabled: bool = True) -> Callable[[int, int], None] | None:
    """The progress callback for one piece of work, or None when not ``enabled``."""
    if not enabled:
        return None
    start = time.monotonic()

    def show(done: int, total: int) -> None:
        elapsed = time.monotonic() - start
        filled = BAR * done // max(total, 1)
        left = f", ~{clock(elapsed * (total - done) / done)} left" if 0 < done < total else ""
        status = f" [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}  {clock(elapsed)} elapsed{left}"
        width = shutil.get_terminal_size().columns - 1
        room = max(8, width - len(status))
        name = label if len(label) <= room else "..." + label[len(label) - room + 3:]  # keep the file's name
        line = (name + status)[:width].ljust(width)
        sys.stderr.write("\r" + line if done < total else "\r" + " " * width + "\r")
        sys.stderr.flush()
    return show


def note(text: str, enabled: bool = True) -> None:
    """A line of status on stderr (an estimate before long work), when ``enabled``."""
    if enabled:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
