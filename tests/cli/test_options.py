"""Options shared by the commands, declared once in liqlab.cli._options."""
import argparse

import pandas as pd
import pytest

import liqlab
from liqlab.cli import _options


def test_store_defaults_to_the_environment_then_data(monkeypatch):
    monkeypatch.delenv(_options.STORE_ENV, raising=False)
    p = argparse.ArgumentParser()
    _options.add_store(p)
    assert p.parse_args([]).store == "data"
    monkeypatch.setenv(_options.STORE_ENV, "/srv/liq")
    p = argparse.ArgumentParser()
    _options.add_store(p)
    assert p.parse_args([]).store == "/srv/liq"
    assert p.parse_args(["--store", "x"]).store == "x"


def test_read_frame_reads_a_sample_or_a_parquet_file(tmp_path):
    s = _options.read_frame("binance_btcusdt_funding", "funding")
    f = tmp_path / "f.parquet"
    s.rename_axis("date").to_parquet(f)             # any index name is accepted
    back = _options.read_frame(str(f), "funding")
    pd.testing.assert_frame_equal(back, s, check_freq=False)
    assert _options.read_frame("none", "oi") is None and _options.read_frame(None, "oi") is None


def test_read_frame_says_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="no such Parquet file"):
        _options.read_frame(tmp_path / "missing.parquet", "oi")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match="bad.parquet: not a readable Parquet file"):
        _options.read_frame(bad, "oi")
    with pytest.raises(ValueError, match="candles"):         # a funding file given as candles
        f = tmp_path / "f.parquet"
        liqlab.load_sample("binance_btcusdt_funding").to_parquet(f)
        _options.read_frame(f, "candles")


def test_backtest_refuses_an_unreadable_start(capsys):
    from liqlab.cli import main
    assert main(["backtest", "--start", "last tuesday", "--out", "unused"]) == 2
    assert "--start='last tuesday' is not a time" in capsys.readouterr().err


def test_param_flags_convert_by_kind_and_say_what_is_wrong():
    """--param NAME=VALUE: every ModelParams field, converted by its declared kind and checked
    against its bounds; a bad value is an error naming the field."""
    import pytest

    from liqlab.cli._options import params_from

    p = params_from(["exit_rate=0.25", "leverage_points=4", "entry=close",
                     "leverage_tiers=5,10", "leverage_weights=0.25,0.75"])
    assert (p.exit_rate, p.leverage_points, p.entry) == (0.25, 4, "close")
    assert p.leverage_tiers == (5.0, 10.0) and p.leverage_weights == (0.25, 0.75)
    for bad, msg in (["exit_rate=abc"], "not a float"), (["nope=1"], "unknown ModelParams field"), \
                    (["level_noise=0.5"], "out of bounds"), (["exit_rate"], "NAME=VALUE"):
        with pytest.raises(ValueError, match=msg):
            params_from(bad)
