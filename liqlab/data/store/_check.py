"""The store finds its own damage: :func:`check` reads every data file (as :meth:`Store.read`
would) and lists those that cannot be read or do not hold a valid frame; ``repair=True``
moves them to ``<root>/_damaged/`` (never deletes) and says which ranges to fetch again.
:func:`listing` is what ``liqlab store ls`` prints: one row per partition, from the footers."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from liqlab.data.schema import validate
from liqlab.data.store._files import data_files, footer_range, fsync_dir, partition_lock, read_table
from liqlab.data.store._store import Store, StoreCorruptError, _guard

__all__ = ["Damage", "CheckReport", "check", "listing", "DAMAGED_DIR", "HOLES_FILE"]

#: where ``repair`` moves damaged files (the same relative path below it)
DAMAGED_DIR = "_damaged"
#: the hole ledger of ``liqlab fetch`` (see liqlab.exchanges.fetch.HoleLedger)
HOLES_FILE = Path("_fetch") / "holes.json"


def _partitions(root: Path) -> list[tuple[Path, tuple[str, str, str, str]]]:
    out = []
    for part in sorted(root.glob("exchange=*/symbol=*/dataset=*/timeframe=*")):
        if part.is_dir():
            names = tuple(p.name.split("=", 1)[1] for p in (*reversed(part.parents[:3]), part))
            out.append((part, names))
    return out


def bucket_range(name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The time range a data file covers: ``2025-10.parquet`` a month, ``2025.parquet`` a year."""
    stem = name.split(".")[0]
    start = pd.Timestamp(f"{stem}-01" if "-" in stem else f"{stem}-01-01", tz="UTC")
    return start, start + (pd.DateOffset(months=1) if "-" in stem else pd.DateOffset(years=1))


@dataclass
class Damage:
    """One damaged file: where, which partition, the range it held, why, where it went."""
    path: Path
    exchange: str
    symbol: str
    dataset: str
    timeframe: str
    start: pd.Timestamp
    end: pd.Timestamp
    reason: str
    moved_to: Path | None = None

    def refetch(self, root: Path) -> str:
        """How to get the range back."""
        span = f"--since {self.start:%Y-%m-%d} --until {self.end:%Y-%m-%d}"
        if self.dataset == "liquidations":
            return (f"recorded liquidations in [{self.start:%Y-%m-%d}, {self.end:%Y-%m-%d}) "
                    "cannot be fetched again (no exchange serves their history): restore a copy")
        if self.dataset not in ("candles", "mark", "oi", "funding"):
            return f"write the {self.dataset} rows of [{self.start:%Y-%m-%d}, {self.end:%Y-%m-%d}) again"
        tf = f"--oi-timeframe {self.timeframe}" if self.dataset == "oi" else \
            ("" if self.dataset == "funding" else f"--timeframe {self.timeframe}")
        return (f"liqlab fetch --store {root} --exchange {self.exchange} --symbol {self.symbol} "
                f"--kinds {self.dataset} {tf} {span}").replace("  ", " ")


@dataclass
class CheckReport:
    """What :func:`check` found: files checked, damaged files, other problems (the hole ledger)."""
    root: Path
    files: int = 0
    rows: int = 0
    damaged: list[Damage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.problems

    def __str__(self) -> str:
        lines = [f"store {self.root}: {self.files} data file(s), {self.rows:,} row(s) checked"]
        if self.ok:
            return lines[0] + ": no damage found"
        for d in self.damaged:
            lines.append(f"DAMAGED {d.path} ({d.exchange} {d.symbol} {d.dataset} {d.timeframe}, "
                         f"[{d.start:%Y-%m-%d}, {d.end:%Y-%m-%d})): {d.reason}")
            if d.moved_to is not None:
                lines.append(f"  moved to {d.moved_to}")
            lines.append(f"  to get it back: {d.refetch(self.root)}")
        lines += [f"PROBLEM {p}" for p in self.problems]
        if self.damaged and not self.repaired:
            lines.append(f"run `liqlab store check --store {self.root} --repair` to move the damaged "
                         f"file(s) to {self.root / DAMAGED_DIR} (nothing is deleted)")
        return "\n".join(lines)


def _check_file(path: Path, kind: str) -> tuple[int, str | None]:
    try:
        df = _guard(path, lambda: read_table(path).to_pandas())
        validate(df, kind, name=str(path))
    except StoreCorruptError as exc:
        return 0, str(exc).split(": ", 1)[1].split(". Run", 1)[0]
    except ValueError as exc:
        return 0, f"not a valid {kind} frame ({str(exc).splitlines()[0][:200]})"
    return len(df), None


def check(store: Store | str | os.PathLike, *, repair: bool = False) -> CheckReport:
    """Read every data file of the store; list those that cannot be read or hold an invalid
    frame. With ``repair``, move each to ``<root>/_damaged/<its path>.<UTC time>`` under the
    partition's lock (nothing is deleted), so the rest of the store reads again."""
    st = store if isinstance(store, Store) else Store(store)
    root = st.root
    rep = CheckReport(root=root, repaired=repair)
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y%m%dT%H%M%SZ")
    for part, (ex, sym, kind, tf) in _partitions(root):
        for f in data_files(part):
            rep.files += 1
            rows, why = _check_file(f, kind)
            rep.rows += rows
            if why is None:
                continue
            start, end = bucket_range(f.name)
            d = Damage(f, ex, sym, kind, tf, start, end, why)
            if repair:
                dest = root / DAMAGED_DIR / f.relative_to(root)
                dest = dest.with_name(f"{dest.name}.{stamp}")
                dest.parent.mkdir(parents=True, exist_ok=True)
                with partition_lock(part):
                    os.replace(f, dest)
                    fsync_dir(part)
                fsync_dir(dest.parent)
                d.moved_to = dest
            rep.damaged.append(d)
    ledger = root / HOLES_FILE
    if ledger.exists():
        try:
            json.loads(ledger.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            if repair:
                dest = root / DAMAGED_DIR / f"{HOLES_FILE}.{stamp}"
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(ledger, dest)
                rep.problems.append(f"{ledger} was not valid JSON ({exc}); moved to {dest}: the "
                                    "holes it recorded are forgotten, fetch with --since to find them again")
            else:
                rep.problems.append(f"{ledger} is not valid JSON ({exc}); --repair moves it aside")
    return rep


def listing(store: Store | str | os.PathLike) -> pd.DataFrame:
    """One row per partition: exchange, symbol, dataset, timeframe, start, end, rows, files,
    recorded holes (count and rows, from the fetch ledger) and damaged files. From the
    Parquet footers only (fast); a file whose footer cannot be read counts as damaged."""
    st = store if isinstance(store, Store) else Store(store)
    try:
        holes = json.loads((st.root / HOLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        holes = {}
    rows = []
    for part, (ex, sym, kind, tf) in _partitions(st.root):
        files = data_files(part)
        if not files:
            continue
        ranges, bad = [], 0
        for f in files:
            try:
                ranges.append(_guard(f, footer_range, f))
            except StoreCorruptError:
                bad += 1
        hs = holes.get(f"{ex}/{sym}/{kind}/{tf}", [])
        rows.append(dict(exchange=ex, symbol=sym, dataset=kind, timeframe=tf,
                         start=min((r[1] for r in ranges), default=pd.NaT),
                         end=max((r[2] for r in ranges), default=pd.NaT),
                         rows=sum(r[0] for r in ranges), files=len(files),
                         holes=len(hs), hole_rows=sum(int(h.get("rows", 0)) for h in hs),
                         damaged=bad))
    cols = ["exchange", "symbol", "dataset", "timeframe", "start", "end", "rows", "files",
            "holes", "hole_rows", "damaged"]
    return pd.DataFrame(rows, columns=cols)
