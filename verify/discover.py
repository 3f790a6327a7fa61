"""Which files ``verify`` checks: decided by content, never by name.

A file in a directory (or handed over by the pre-commit hook) is checked when it is a JSON object
whose top-level ``format`` is ``compact-proofs-certificate``. The test is lenient where leniency
can only check more: any top-level ``format`` pair counts (duplicate keys included), any JSON
encoding, NaN allowed; and a file that names the format but cannot be parsed (a merge conflict,
a truncated write) or is too large to parse safely is checked too, so the strict reader fails it.
Everything else is skipped with the reason, and verify lists the skipped files. Files named
on the command line are always checked. Below a directory given, folders named ``slow`` are
skipped too (certificates that take minutes each): name such a folder to check it (the slow
gate, ``verify certificates/slow``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.certificate import FORMAT_NAME, MAX_BYTES, check_shape
from compact_proofs.verify.formats import Skipped

_NAMES = tuple(FORMAT_NAME.encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_HEAD_BYTES = 2**16


@dataclass(frozen=True)
class Found:
    """What ``classify`` found: ``reason`` is None for a certificate to check; ``weights`` is the
    path its ``model.weights`` names (resolved against its folder) when that could be read."""

    reason: str | None
    weights: Path | None = None


def classify(path: Path) -> Found:
    """Decide whether ``path`` is a certificate (see the module docstring)."""
    try:
        if not path.is_file():
            return Found("not a regular file")
        size = path.stat().st_size
        with path.open("rb") as handle:
            raw = handle.read(_HEAD_BYTES if size > MAX_BYTES else MAX_BYTES + 1)
    except OSError:
        return Found(None)  # unreadable: the reader says why, and the file counts as failed
    names_format = any(name in raw for name in _NAMES)
    if size > MAX_BYTES:
        return Found(None) if names_format else Found(f"not a certificate: {size} bytes, larger than any, and does "
                                                       f"not name the {FORMAT_NAME} format")
    if not names_format and b"\\u" not in raw:  # a JSON escape could spell the name
        return Found(f"not a certificate: does not name the {FORMAT_NAME} format")
    try:
        text = raw.decode(json.detect_encoding(raw))
        check_shape(text, path)
        formats: list[object] = []  # the format values of the last object parsed: the top level's

        def remember(pairs: list) -> dict:
            formats[:] = [value for key, value in pairs if key == "format"]
            return dict(pairs)
        doc = json.loads(text, object_pairs_hook=remember)
    except (ValueError, RecursionError, Unusable) as exc:
        if names_format:
            return Found(None)
        return Found(f"not a certificate: not valid JSON ({type(exc).__name__})")
    if not isinstance(doc, dict):
        return Found(f"not a certificate: a JSON {type(doc).__name__}, not an object")
    if FORMAT_NAME not in formats:
        shown = ", ".join(repr(f)[:60] for f in formats)
        return Found(f"not a certificate: format {shown}" if formats else "not a certificate: no format field")
    model = doc.get("model")
    weights = model.get("weights") if isinstance(model, dict) else None
    if isinstance(weights, str) and weights and "\x00" not in weights:
        return Found(None, Path(os.path.normpath(path.parent / weights)))
    return Found(None)


_DIGITS = re.compile(r"(\d+)")


def natural_key(path: Path) -> list:
    """Sort key: digit runs compare as numbers (k4 before k10), the rest as text."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(path.as_posix())]


SLOW = "slow"  # below a directory given, folders of this name are skipped (the slow gate names them)


def walk(folder: Path) -> list[Path]:
    """Every file under ``folder`` (following no symbolic links to folders), in natural order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(Path(root) / name for name in files)
    return sorted(found, key=natural_key)


def collect(paths: Iterable[str], by_content_only: bool = False) -> tuple[list[Path], list[Skipped]]:
    """The certificates to check and the files skipped. Directories are walked and their files
    classified by content; files named directly are checked as given unless ``by_content_only``
    (the pre-commit hook's changed files)."""
    targets: list[Path] = []
    skipped: list[Skipped] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = walk(path)
        elif by_content_only:
            candidates = [path]
        else:
            targets.append(path)
            continue
        for file in candidates:
            if path.is_dir() and SLOW in file.relative_to(path).parts[:-1]:
                skipped.append(Skipped(str(file), f"under a folder named {SLOW}: minutes per certificate; "
                                                  f"verify it by naming its folder"))
                continue
            found = classify(file)
            if found.reason is None:
                targets.append(file)
            else:
                skipped.append(Skipped(str(file), found.reason))
    return unique(targets), skipped


def binding(changed: Iterable[str], folders: Iterable[str]) -> list[Path]:
    """The certificates under ``folders`` whose weights file is one of the ``changed`` files."""
    wanted = {os.path.normpath(os.path.abspath(p)) for p in changed}
    bound = []
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for file in walk(Path(folder)):
            found = classify(file)
            if found.reason is None and found.weights is not None and \
                    os.path.normpath(os.path.abspath(found.weights)) in wanted:
                bound.append(file)
    return bound


def unique(paths: list[Path]) -> list[Path]:
    """``paths`` without repeats (the same file reached twice), first occurrence kept."""
    seen, kept = set(), []
    for path in paths:
        key = os.path.normpath(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept
