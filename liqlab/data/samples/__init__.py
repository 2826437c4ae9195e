"""Real market data embedded in the package, loaded by name.

>>> import liqlab
>>> candles = liqlab.load_sample("binance_btcusdt_5m")
>>> liqlab.list_samples()          # name, kind, exchange, symbol, timeframe, rows, span

Every sample is a canonical liqlab frame (see :mod:`liqlab.data.schema`), read from a Parquet file
inside the package (works installed, offline), validated on load, with ``attrs`` naming its
kind, exchange, symbol, timeframe, source file and terms. ``scripts/build_sample.py`` (``make
sample``) rebuilds the files from the shared data set, so that the provenance is code; the
files' checksums and slice rules are in ``liqlab/data/samples/MANIFEST.json``.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd
import pyarrow.parquet as pq

from liqlab.data import schema
from liqlab.data.samples._parquet import from_parquet
from liqlab.data.samples._registry import SAMPLES, SCHEMA_DOC, TERMS, Sample

__all__ = ["load_sample", "list_samples"]


def _spec(name: str) -> Sample:
    if not isinstance(name, str) or name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}; available samples: {', '.join(sorted(SAMPLES))}"
                         " (see liqlab.list_samples())")
    return SAMPLES[name]


def _resource(s: Sample):
    res = resources.files(__name__).joinpath(s.file)
    if not res.is_file():
        raise ValueError(f"sample {s.name!r}: its file {s.file} is missing from the installed "
                         "package; reinstall liqlab, or rebuild the samples with `make sample`")
    return res


def _attrs(s: Sample) -> dict:
    return {"name": s.name, "kind": s.kind, "exchange": s.exchange, "symbol": s.symbol,
            "timeframe": s.timeframe, "source": s.source, "slice": s.slice_rule,
            "terms": TERMS, **s.extra_attrs}


@lru_cache(maxsize=8)
def _read(name: str) -> pd.DataFrame:
    s = _spec(name)
    with _resource(s).open("rb") as fh:
        df = from_parquet(fh)
    return schema.validate(df, s.kind, name)


def load_sample(name: str) -> pd.DataFrame:
    # the docstring is generated from the registry below
    s = _spec(name)
    df = _read(name).copy()
    df.attrs = _attrs(s)
    return df


def list_samples() -> pd.DataFrame:
    """One row per embedded sample: name, kind, exchange, symbol, timeframe, rows, start, end
    (first and last timestamp) and description. Reads only the Parquet footers."""
    rows = []
    for s in SAMPLES.values():
        with _resource(s).open("rb") as fh:
            meta = pq.ParquetFile(fh).metadata
            n = meta.num_rows
            lo = hi = None
            for g in range(meta.num_row_groups):
                st = meta.row_group(g).column(0).statistics
                lo = st.min if lo is None else min(lo, st.min)
                hi = st.max if hi is None else max(hi, st.max)
        rows.append({"name": s.name, "kind": s.kind, "exchange": s.exchange, "symbol": s.symbol,
                     "timeframe": s.timeframe, "rows": n,
                     "start": pd.Timestamp(lo).tz_convert("UTC") if lo is not None else pd.NaT,
                     "end": pd.Timestamp(hi).tz_convert("UTC") if hi is not None else pd.NaT,
                     "description": s.description})
    return pd.DataFrame(rows)


def _doc(s: Sample) -> str:
    schema_lines = "\n".join(f"        - ``{c}`` ({t}): {m}" for c, t, m in SCHEMA_DOC[s.kind])
    extra = "".join(f", {k}={v!r}" for k, v in s.extra_attrs.items())
    return (f"    ``{s.name}`` (kind ``{s.kind}``)\n"
            f"        Description: {s.description}\n"
            f"        Schema:\n{schema_lines}\n"
            f"        Source: ``{s.source}`` ({s.exchange} {s.symbol}, {s.timeframe}; slice: "
            f"{s.slice_rule}); attrs: kind, exchange, symbol, timeframe, source, slice, "
            f"terms{extra}.\n"
            f"        Terms: facts from {s.exchange}; {s.exchange}'s terms of use apply (see Terms "
            "above).\n")


load_sample.__doc__ = (
    "Load an embedded real-data sample by name as a validated canonical frame.\n\n"
    "Returns a new DataFrame (UTC DatetimeIndex ``time``) whose ``attrs`` hold kind, exchange, "
    "symbol, timeframe, source, slice and terms. Raises ValueError for an unknown name, listing "
    "the available ones.\n\n"
    f"Terms (all samples): {TERMS}\n\n"
    "Samples:\n\n" + "\n".join(_doc(s) for s in SAMPLES.values()))
