"""What a model was trained with, for its card: Python, numpy, the BLAS numpy runs (as built and
as dispatched at run time), numpy's SIMD dispatch and the CPU.

These are what the float32 training arithmetic depends on. numpy's matrix products call the
BLAS (OpenBLAS in the PyPI wheels), which picks a kernel for the CPU at run time (``core``), and
numpy's own loops (exp, log, sums) pick SIMD code for the CPU features found; different
kernels round differently, so the same seed and numpy wheel can give other weights on another
CPU. See the README's *Reproducibility*.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np


def _cpu() -> dict:
    """The CPU's model name and feature flags (from /proc/cpuinfo on Linux, else what
    ``platform`` says and no flags)."""
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "flags") and key not in info:
                info[key] = value.strip()
    except OSError:
        pass
    return {"machine": platform.machine(), "model_name": info.get("model name") or platform.processor(),
            "flags": info.get("flags", "")}


def _numpy_config() -> dict:
    """numpy's build configuration (numpy >= 1.26; empty before)."""
    try:
        return np.show_config(mode="dicts")
    except TypeError:
        return {}


def _blas() -> dict:
    """numpy's BLAS as built (name, version, OpenBLAS configuration) and, when threadpoolctl is
    installed, as loaded (the kernel family OpenBLAS chose for this CPU, and its threads)."""
    built = _numpy_config().get("Build Dependencies", {}).get("blas", {})
    record = {"name": built.get("name"), "version": built.get("version"),
              "config": built.get("openblas configuration")}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {**record, "core": None, "threads": None}
    loaded = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return {**record, "core": loaded[0].get("architecture") if loaded else None,
            "threads": loaded[0].get("num_threads") if loaded else None}


def _simd() -> dict:
    """numpy's SIMD baseline (compiled in) and the dispatch targets this CPU supports."""
    simd = _numpy_config().get("SIMD Extensions", {})
    return {"baseline": simd.get("baseline", []), "dispatched": simd.get("found", [])}


def environment() -> dict:
    """The card's ``environment`` record for this process."""
    return {"python": platform.python_version(), "implementation": sys.implementation.name,
            "numpy": np.__version__, "blas": _blas(), "simd": _simd(), "cpu": _cpu()}
