#!/usr/bin/env python
"""Build liqlab's embedded samples (liqlab/data/samples/*.parquet + MANIFEST.json) from the shared
real-data set, so that their provenance is code.

    python scripts/build_sample.py --source ../shared/data [--out liqlab/data/samples] [--only NAME ...]

Steps: verify every source file the samples need against the set's SHA256SUMS; convert each
slice to its canonical frame (liqlab.data.samples._convert, validated by liqlab.data.schema, cleaned
where needed with the clean report printed); write zstd Parquet atomically (temporary file +
os.replace); write MANIFEST.json (per sample: file, rows, first/last time, sha256, source file
and its sha256, slice rule, evidence for unit and side decisions). Rebuilding gives identical
files.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from liqlab.data.samples._convert import OKX_CONTRACT_BTC, convert
from liqlab.data.samples._parquet import to_parquet_bytes
from liqlab.data.samples._registry import SAMPLES

MAX_TOTAL_MB = 6.0


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def read_sums(source: Path) -> dict[str, str]:
    """file name -> sha256 from ``SHA256SUMS`` (``<hex>  <name>`` lines)."""
    path = source / "SHA256SUMS"
    if not path.is_file():
        raise ValueError(f"{path} is missing: --source must be the shared data directory that "
                         "holds SHA256SUMS and the CSV files")
    sums = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest.lower()
    return sums


def verify_sources(source: Path, names: set[str]) -> dict[str, str]:
    """Check each needed source file against SHA256SUMS; ValueError naming the bad file."""
    sums = read_sums(source)
    out = {}
    for name in sorted(names):
        if name not in sums:
            raise ValueError(f"{name} is not listed in {source / 'SHA256SUMS'}")
        path = source / name
        if not path.is_file():
            raise ValueError(f"source file missing: {path} (listed in SHA256SUMS)")
        got = sha256_file(path)
        if got != sums[name]:
            raise ValueError(f"source file differs from SHA256SUMS: {path} has sha256 {got}, "
                             f"expected {sums[name]}; fetch the data set again")
        out[name] = got
    return out


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path`` and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _iso(t: pd.Timestamp) -> str:
    return t.isoformat().replace("+00:00", "Z")


def okx_evidence(raw_liq: pd.DataFrame, okx_1h: pd.DataFrame) -> dict:
    """Figures behind the OKX size_usd correction (contracts x price -> x 0.01)."""
    r = raw_liq[raw_liq["venue"] == "okx"].copy()
    r["time"] = pd.to_datetime(r["timestamp"], format="ISO8601", utc=True)
    n = r["size_usd"] / r["price"]
    lot = bool(np.all(np.abs(n * 100 - np.round(n * 100)) < 1e-6))
    hourly_raw = r.set_index("time")["size_usd"].resample("1h").sum()
    traded = (okx_1h["volume"] * okx_1h["close"]).reindex(hourly_raw.index)
    share = (hourly_raw / traded).dropna()
    return {
        "size_over_price_is_multiple_of_0.01": lot,
        "raw_total_usd": round(float(r["size_usd"].sum()), 2),
        "corrected_total_usd": round(float(r["size_usd"].sum() * OKX_CONTRACT_BTC), 2),
        "raw_max_order_usd": round(float(r["size_usd"].max()), 2),
        "raw_max_hourly_share_of_okx_traded_usd": round(float(share.max()), 4),
        "raw_max_share_hour": _iso(share.idxmax()),
        "corrected_max_hourly_share_of_okx_traded_usd": round(float(share.max() * 0.01), 6),
        "factor": OKX_CONTRACT_BTC,
        "side_map": {"sell": "long", "buy": "short"},
    }


def hl_evidence(liq: pd.DataFrame, c5: pd.DataFrame) -> dict:
    """Share of Hyperliquid 'S' notional in 5m bars after a 30-minute price rise."""
    bar = liq.index.floor("5min")
    move = (c5["close"] / c5["close"].shift(6) - 1).reindex(bar).to_numpy()
    usd = liq["usd"].to_numpy()
    up = move > 0
    return {"usd_total": round(float(usd.sum()), 2),
            "usd_after_30min_rise": round(float(usd[up].sum()), 2),
            "share_after_30min_rise": round(float(usd[up].sum() / usd.sum()), 4),
            "reference": "binance_btcusdt_5m_2025_05 close vs close 30 minutes earlier",
            "side_map": {"S": "short"}}


def build(source: Path, out: Path, only: list[str] | None = None, max_loss: float = 0.01) -> dict:
    """Verify, convert and write the samples (all, or ``only`` those); return the manifest."""
    unknown = [n for n in (only or []) if n not in SAMPLES]
    if unknown:
        raise ValueError(f"unknown sample(s) {unknown}; known: {', '.join(SAMPLES)}")
    specs = [SAMPLES[n] for n in only] if only else list(SAMPLES.values())
    sources = verify_sources(source, {s.source for s in specs})
    print(f"verified {len(sources)} source file(s) against {source / 'SHA256SUMS'}")
    out.mkdir(parents=True, exist_ok=True)
    raw_cache: dict[str, pd.DataFrame] = {}
    frames: dict[str, pd.DataFrame] = {}
    man_path = out / "MANIFEST.json"
    manifest = json.loads(man_path.read_text()) if man_path.is_file() else {"samples": {}}
    for s in specs:
        if s.source not in raw_cache:
            raw_cache[s.source] = pd.read_csv(source / s.source)
        df, rep = convert(raw_cache[s.source], s, max_loss)
        frames[s.name] = df
        data = to_parquet_bytes(df)
        write_atomic(out / s.file, data)
        entry = {"file": s.file, "kind": s.kind, "rows": len(df),
                 "first": _iso(df.index[0]), "last": _iso(df.index[-1]),
                 "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                 "source": s.source, "source_sha256": sources[s.source],
                 "slice": s.slice_rule, "clean": str(rep)}
        manifest["samples"][s.name] = entry
        print(f"wrote {out / s.file}: {len(df):>6} rows {entry['first']} .. {entry['last']} "
              f"{len(data) / 1e3:8.1f} kB  [{rep}]")
    # evidence for the unit and side decisions, from the data itself
    if "liquidations_okx_2026_03" in frames:
        okx_1h = frames.get("okx_btc_1h")
        if okx_1h is None:
            okx_1h, _ = convert(pd.read_csv(source / SAMPLES["okx_btc_1h"].source),
                                SAMPLES["okx_btc_1h"])
        ev = okx_evidence(raw_cache[SAMPLES["liquidations_okx_2026_03"].source], okx_1h)
        manifest["samples"]["liquidations_okx_2026_03"]["evidence"] = ev
        print(f"OKX size evidence: {ev}")
    if "liquidations_hyperliquid_2025_05" in frames:
        c5 = frames.get("binance_btcusdt_5m_2025_05")
        if c5 is None:
            s5 = SAMPLES["binance_btcusdt_5m_2025_05"]
            c5, _ = convert(pd.read_csv(source / s5.source), s5)
        ev = hl_evidence(frames["liquidations_hyperliquid_2025_05"], c5)
        manifest["samples"]["liquidations_hyperliquid_2025_05"]["evidence"] = ev
        print(f"Hyperliquid side evidence: {ev}")
    manifest["samples"] = {k: manifest["samples"][k] for k in sorted(manifest["samples"])
                           if k in SAMPLES}
    total = sum(e["bytes"] for e in manifest["samples"].values())
    manifest["total_bytes"] = total
    manifest["note"] = ("Built by scripts/build_sample.py from the shared real-data set; "
                        "prices are exchange facts, the exchanges' terms apply.")
    write_atomic(man_path, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    stale = sorted(p.name for p in out.glob("*.parquet") if p.stem not in SAMPLES)
    print(f"wrote {man_path}: {len(manifest['samples'])} samples, total {total / 1e6:.2f} MB"
          + (f"; files not in the registry (not shipped data, remove them): {stale}" if stale else ""))
    if total > MAX_TOTAL_MB * 1e6:
        raise ValueError(f"samples total {total / 1e6:.2f} MB, more than {MAX_TOTAL_MB} MB; "
                         "trim a slice in liqlab/data/samples/_registry.py")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="shared data directory")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parent.parent / "liqlab" / "data" / "samples")
    ap.add_argument("--only", nargs="+", help="build only these samples")
    ap.add_argument("--max-loss", type=float, default=0.01,
                    help="largest share of a slice's rows cleaning may drop (default 0.01)")
    args = ap.parse_args(argv)
    try:
        build(args.source, args.out, args.only, args.max_loss)
    except ValueError as exc:
        print(f"build_sample: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
