"""liqlab.reports: tables written for the commands, and estimates printed with intervals."""
import numpy as np
import pandas as pd

from liqlab.reports import interval_text, markdown_table, row_interval, write_table
from liqlab.validation.where import where_markdown


def test_interval_text():
    assert interval_text(0.4213, 0.3049, 0.5551) == "0.42 (0.30 to 0.56)"
    assert interval_text(0.05, -0.01, 0.12, "{:+.2f}") == "+0.05 (-0.01 to +0.12)"
    assert interval_text(np.float64(0.5), np.nan, 0.9) == "0.50"      # no interval
    assert interval_text(np.nan, 0.1, 0.9) == "n/a"
    row = pd.Series({"lift": 1.5, "lift_lo": 1.25, "lift_hi": 1.75})
    assert row_interval(row, "lift", "{:.1f}") == "1.5 (1.2 to 1.8)"     # half to even: 1.25 -> 1.2


def test_markdown_table():
    assert markdown_table(["a", "b"], [[1, "x"], ["", 2.5]]).splitlines() == [
        "| a | b |", "|---|---|", "| 1 | x |", "|  | 2.5 |"]
    assert markdown_table(["only"], []) == "| only |\n|---|"


def test_where_markdown_prints_intervals_and_gaps():
    row = {"side": "long", "events": 12, "candles": 5, "hours": 4, "mean_bins_crossed": 3.34}
    for k, (v, lo, hi) in {"share_model": (0.6, 0.4, 0.8), "share_path_null": (0.3, np.nan, np.nan),
                           "share_even": (0.2, 0.1, 0.3), "model_minus_path_null": (0.3, 0.1, 0.5),
                           "model_minus_even": (np.nan, np.nan, np.nan)}.items():
        row.update({k: v, f"{k}_lo": lo, f"{k}_hi": hi})
    last = where_markdown(pd.DataFrame([row])).splitlines()[-1]
    assert last == ("| long | 12 (5, 4) | 3.3 | 60% (40% to 80%) | 30% | 20% (10% to 30%) | "
                    "+0.30 (+0.10 to +0.50) | n/a |")


def test_write_table_csv_and_parquet(tmp_path):
    df = pd.DataFrame({"band": [(0.005, 0.02)], "lift": [1.5]})
    csv = write_table(df, tmp_path / "t", "csv")
    assert csv.name == "t.csv" and csv.read_text().splitlines() == ["band,lift", '"(0.005, 0.02)",1.5']
    pq = write_table(df, tmp_path / "t", "parquet")
    assert pd.read_parquet(pq).to_dict("records") == [{"band": "(0.005, 0.02)", "lift": 1.5}]
