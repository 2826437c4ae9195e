"""The machine line every benchmark prints first: CPU model, cores, RAM, OS, Python and the
versions of the libraries that decide its figures.

    from _machine import machine      # the benchmark scripts run with this folder on sys.path
    print("machine:", machine("numba", "dask"))
"""
from __future__ import annotations

import importlib
import os
import platform
from pathlib import Path

__all__ = ["machine"]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _ram() -> str:
    try:
        kib = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal"))
    except (OSError, StopIteration, ValueError, IndexError):
        return "RAM unknown"
    return f"{kib / 2**20:.1f} GiB RAM"


def machine(*libraries: str) -> str:
    """``"<CPU>, <n> cores, <RAM>; <OS>; Python x.y.z, numpy ..., pandas ..., <libraries>"``:
    numpy and pandas always, then each named library (imported here) with its version."""
    names = ["numpy", "pandas", *(n for n in libraries if n not in ("numpy", "pandas"))]
    versions = ", ".join(f"{n} {importlib.import_module(n).__version__}" for n in names)
    return (f"{_cpu()}, {os.cpu_count()} cores, {_ram()}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, {versions}")
