"""The kernel split (issue 10) must not be slower: today's kernel against the v1 kernel, on the
v1 population, in one process.

    python benchmarks/bench_kernel_v1.py

The v1 estimator, kernel, grid and parameters are read from git (commit V1, the last one
before the split; needs a git checkout with history) into a temporary folder and imported
beside today's package. Both are given one year of 1m candles block-bootstrapped as in
``bench_estimate.py`` and the v1 population: 5 fixed leverage tiers, entries at 3 price
anchors, one 30-day half-life, no exits or level noise, 10,000 USD positions, grid_range 3.
"""
from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import machine
from bench_estimate import COLS, best_of, bootstrap_year, year_setup

ROOT = Path(__file__).resolve().parents[1]
V1 = "1e92036"
#: v1 module -> (its path at V1, the local name it is imported under)
FILES = {"estimator": "ev1", "kernel": "kv1", "grid": "gv1", "params": "pv1"}


def load_v1(folder: Path):
    """The v1 estimator module, its own kernel, grid and parameters beside it."""
    for mod, local in FILES.items():
        try:
            src = subprocess.run(["git", "show", f"{V1}:liqlab/model/{mod}.py"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            sys.exit(f"cannot read liqlab/model/{mod}.py at commit {V1} ({e}); this benchmark "
                     "needs a git checkout with the project's history (not a shallow clone)")
        for other, name in FILES.items():
            src = src.replace(f"from liqlab.model.{other} import", f"from {name} import")
        (folder / f"{local}.py").write_text(src)
    sys.path.insert(0, str(folder))
    return importlib.import_module("ev1"), importlib.import_module("pv1")


def main() -> None:
    import liqlab
    from liqlab.model.estimator import prepare
    from liqlab.model.kernel import run_kernel
    print("machine:", machine("numba"))
    candles, oi = bootstrap_year()
    _, _, step = year_setup(candles)
    with tempfile.TemporaryDirectory() as tmp:
        ev1, pv1 = load_v1(Path(tmp))
        old = ev1.prepare(candles, oi, pv1.ModelParams(grid_range=3.0), step=step, max_columns=COLS)
        ev1.run_kernel(*old.kernel_args(True))
        t_old = best_of(lambda: ev1.run_kernel(*old.kernel_args(True)))
    v1 = liqlab.ModelParams(leverage_mode="tiers", entry="anchors", exit_rate=0.0, level_noise=0.0,
                            decay_leverage_exponent=0.0, decay_half_life_days=30.0,
                            position_usd=10_000.0, grid_range=3.0)
    new = prepare(candles, oi, v1, step=step, max_columns=COLS)
    run_kernel(*new.kernel_args(True))
    t_new = best_of(lambda: run_kernel(*new.kernel_args(True)))
    print(f"data: {len(candles):,} 1m candles, v1 population ({len(new.tier_w)} tiers, "
          f"{new.ent_w.shape[1]} entry anchors), {new.grid.n:,} bins, {len(new.col_times):,} columns")
    print(f"v1 kernel (commit {V1}): {t_old * 1e3:.0f} ms; today's kernel, same population: "
          f"{t_new * 1e3:.0f} ms = {t_new / t_old:.2f}x  target <= 1x (no slowdown): "
          f"{'PASS' if t_new <= t_old else 'FAIL'}")


if __name__ == "__main__":
    main()
