"""`liqlab validate` end to end on an embedded realised set (moved here from
test_backtest_cli.py)."""
import pandas as pd

from liqlab.cli import main


def test_validate_command_on_one_set(tmp_path, capsys):
    out = tmp_path / "val"
    rc = main(["validate", "--set", "okx_2026_03", "--n-boot", "100", "--out", str(out)])
    assert rc == 0
    scores = pd.read_csv(out / "okx_2026_03_scores.csv")
    assert set(scores["predictor"]) == {"model", "range", "range_sum", "path_null"}
    assert (scores["n"] == 12).all()
    base = scores[scores["predictor"] != "model"]
    assert base[["model_minus", "model_partial", "top_decile"]].notna().all().all()
    assert (out / "report.html").is_file()
    printed = capsys.readouterr().out
    assert "okx_2026_03 (12 periods of 1h" in printed
    assert "path_null (kernel, constant inflow, no OI)" in printed
    # the where-score of the per-event set, printed and written
    where = pd.read_csv(out / "okx_2026_03_where.csv")
    assert where["side"].tolist() == ["long", "short", "both"]
    assert where["events"].iloc[-1] == 1611
    assert "okx_2026_03, where (map before each event's candle, 15min" in printed
