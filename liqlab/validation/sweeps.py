"""Grids of ModelParams x windows, run on dask.distributed, gathered into one tidy frame.

    import liqlab
    from liqlab.validation import sweeps
    grid = sweeps.param_grid(inflow_volume_share=[0.005, 0.02], side_rule=["even", "direction"])
    windows = sweeps.split_windows(candles, n=4)             # or {"name": (start, end), ...}
    table = sweeps.sweep(sweeps.backtest_task, grid, windows,
                         data={"candles": candles, "oi": oi}) # LocalCluster by default
    table = sweeps.sweep(..., scheduler="tcp://10.0.0.5:8786")  # a real cluster
    table = sweeps.sweep(..., scheduler="inline")                # one process, no Dask

A task is a plain top-level function ``task(overrides, window, data) -> dict`` (or a list of
dicts, one row each), so that it pickles to worker processes. The data are scattered to the
workers once, not once per task. Each result row is tagged with the grid point's number,
its overrides and the window's name; a task that raises is reported in an ``error`` column
instead of sinking the whole sweep.
"""
from __future__ import annotations

import itertools
import traceback
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from liqlab.backtest import NULLS, event_study
from liqlab.model.estimator import estimate
from liqlab.model.params import ModelParams

from .align import align
from .baselines import path_null as _path_null
from .sets import load_set

__all__ = ["param_grid", "split_windows", "sweep", "backtest_task", "validation_task"]


def param_grid(**axes) -> list[dict]:
    """The cartesian product of ModelParams overrides: ``param_grid(a=[1, 2], b=["x"])`` ->
    ``[{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]``. Names are checked against ModelParams."""
    known = {s.name for s in ModelParams.spec()}
    unknown = [k for k in axes if k not in known]
    if unknown:
        raise ValueError(f"unknown ModelParams field(s) {unknown}; see liqlab.ModelParams.spec()")
    for k, v in axes.items():
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            raise ValueError(f"axis {k!r} must be a list of values, got {v!r}")
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*(list(axes[k]) for k in keys))]


def split_windows(frame: pd.DataFrame, n: int) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """``n`` consecutive windows of equal length over ``frame``'s time span (end exclusive)."""
    if n < 1:
        raise ValueError(f"n windows must be >= 1, got {n}")
    t0, t1 = frame.index[0], frame.index[-1] + pd.Timedelta(1, "ns")
    edges = [t0 + (t1 - t0) * i / n for i in range(n + 1)]
    return {f"w{i + 1}": (edges[i], edges[i + 1]) for i in range(n)}


def _run_one(task: Callable, i: int, overrides: dict, wname: str, window: Any,
             data: Any) -> list[dict]:
    tag = {"point": i, **{f"param.{k}": _plain(v) for k, v in overrides.items()}, "window": wname}
    try:
        out = task(overrides, window, data)
    except Exception as exc:  # noqa: BLE001 - reported per row, the sweep goes on
        return [{**tag, "error": f"{type(exc).__name__}: {exc}",
                 "traceback": traceback.format_exc(limit=3)}]
    rows = out if isinstance(out, list) else [out]
    return [{**tag, **r} for r in rows]


def _plain(v):
    return str(v) if isinstance(v, (tuple, list)) else v


def sweep(task: Callable, grid: list[dict], windows: Mapping[str, Any] | list, *,
          data: Any = None, scheduler: str | None = None, n_workers: int = 2,
          threads_per_worker: int = 1, processes: bool = True) -> pd.DataFrame:
    """Run ``task(overrides, window, data)`` for every grid point and window.

    ``scheduler``: None starts a :class:`distributed.LocalCluster` of ``n_workers`` worker
    processes (``processes=False``: threads in this process) and closes it afterwards;
    ``'tcp://host:port'`` connects to a running scheduler; ``'inline'`` runs everything here
    in order, without Dask (for debugging and small grids). Returns one tidy frame, rows
    ordered by (point, window), with an ``error`` column if any task failed.
    """
    if not grid:
        raise ValueError("grid is empty; build one with liqlab.validation.sweeps.param_grid(...)")
    wins = dict(windows) if isinstance(windows, Mapping) else {f"w{i + 1}": w for i, w in enumerate(windows)}
    if not wins:
        raise ValueError("no windows; give a dict name -> window or a list of windows")
    jobs = [(i, g, wn, w) for i, g in enumerate(grid) for wn, w in wins.items()]
    if scheduler == "inline":
        parts = [_run_one(task, i, g, wn, w, data) for i, g, wn, w in jobs]
        return _frame(parts)
    if scheduler is not None and not str(scheduler).startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise ValueError(f"scheduler must be None (LocalCluster), 'inline' or an address like "
                         f"'tcp://host:8786', got {scheduler!r}")
    from distributed import Client, LocalCluster  # lazy: dask only when a cluster is asked for

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                               processes=processes, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        dref = client.scatter(data, broadcast=True) if data is not None else None
        futs = [client.submit(_run_one, task, i, g, wn, w, dref, pure=False) for i, g, wn, w in jobs]
        parts = client.gather(futs)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return _frame(parts)


def _frame(parts: list[list[dict]]) -> pd.DataFrame:
    df = pd.DataFrame([r for p in parts for r in p])
    return df.sort_values(["point", "window"], kind="stable").reset_index(drop=True)


# -- ready-made tasks -------------------------------------------------------------------------
def _window_slice(frame, window):
    if frame is None or window is None:
        return frame
    start, end = (pd.Timestamp(x) for x in window)
    return frame[(frame.index >= start) & (frame.index < end)]


def backtest_task(overrides: dict, window, data: dict) -> dict:
    """Estimate on ``data['candles']`` (and ``data.get('oi')``) within ``window`` with the
    overridden ModelParams, run the event study (``data.get('study')``: StudyConfig
    overrides) and return the lift against each null with its 95% CI."""
    candles = _window_slice(data["candles"], window)
    oi = data.get("oi")
    if oi is not None:
        oi = oi[oi.index < candles.index[-1] + pd.Timedelta("1D")]
    params = ModelParams().replace(**overrides)
    res = estimate(candles, oi=oi, params=params, per_tier=False,
                          step=data.get("step"))
    st = event_study(res.heatmap, candles, **(data.get("study") or {}))
    s = st.summary()
    row = {"n_snapshots": st.meta["n_snapshots"], "n_clusters": int(s["n_clusters"].iloc[0]),
           "hit_clusters": float(s["hit_clusters"].iloc[0])}
    for n in NULLS:
        row.update({f"hit_{n}": float(s.loc[n, "hit_null"]), f"lift_{n}": float(s.loc[n, "lift"]),
                    f"lift_{n}_lo": float(s.loc[n, "lift_lo"]),
                    f"lift_{n}_hi": float(s.loc[n, "lift_hi"]),
                    f"p_{n}": float(s.loc[n, "p_value"])})
    return row


def validation_task(overrides: dict, window, data: dict, path_null: bool = False) -> list[dict]:
    """Estimate on a validation set with the overridden ModelParams and return its per-period
    predicted and realised notional (one row per period), for walk-forward choice of
    defaults. ``window`` names a set of :data:`liqlab.validation.sets.SETS`; ``data`` maps
    set names to :func:`liqlab.validation.sets.load_set` outputs (or is None: loaded here).
    ``path_null``: also estimate the path null with the same params (``null_*`` columns);
    pass ``functools.partial(validation_task, path_null=True)`` to :func:`sweep`."""
    d = (data or {}).get(window) or load_set(window)
    spec = d["spec"]
    params = ModelParams().replace(**overrides)
    params = params.replace(oi_max_gap_hours=max(params.oi_max_gap_hours, spec.max_oi_gap_hours))
    res = estimate(d["candles"], oi=d["oi"], params=params, per_tier=False,
                          funding=d.get("funding"))
    null = None
    if path_null:
        null = _path_null(d["candles"], params, funding=d.get("funding"))
    fr = align(res.swept, d["realised"], d["candles"], d["oi"], freq=spec.freq, path_null=null)
    fr = fr.reset_index().rename(columns={"time": "period"})
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
            for r in fr.to_dict("records")]
