"""`liqlab backtest` end to end on the embedded data (short spans)."""
import pandas as pd
import pytest

from liqlab.cli import main


@pytest.mark.slow
def test_backtest_command_writes_tables_and_report(tmp_path, capsys):
    out = tmp_path / "bt"
    rc = main(["backtest", "--start", "2025-10-01", "--end", "2025-10-21", "--horizon", "12h",
               "--n-boot", "100", "--n-shuffles", "1", "--out", str(out), "--format", "parquet"])
    assert rc == 0
    summary = pd.read_parquet(out / "summary.parquet")
    assert list(summary["null"]) == ["brownian", "opposite", "random", "shuffled"]
    assert (summary["lift_lo"] <= summary["lift_hi"]).all()
    band = pd.read_parquet(out / "lift_by_distance_band.parquet")
    assert set(band["null"]) == {"brownian", "opposite", "random", "shuffled"}
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "<script src=" not in page
    said = capsys.readouterr().out
    assert "Against random levels at the same distance" in said


def test_backtest_command_bad_input(tmp_path, capsys):
    rc = main(["backtest", "--start", "2030-01-01", "--out", str(tmp_path)])
    assert rc == 2
    assert "candles in the chosen span" in capsys.readouterr().err
    rc = main(["backtest", "--sweep", "nonsense", "--start", "2025-10-01", "--end", "2025-10-05",
               "--out", str(tmp_path)])
    assert rc == 2

