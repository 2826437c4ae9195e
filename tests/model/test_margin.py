"""The exact isolated-margin liquidation price and the bracket tables (liqlab.model.margin)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from liqlab.model.margin import (liquidation_price, load_brackets, lp_factor, parse_brackets,
                           shipped_brackets)


def test_long_10x_at_67000_from_the_brief():
    # 67,000 * (1 - 1/10) / (1 - 0.004) = 60,300 / 0.996 = 60,542.168...
    lp = liquidation_price(67_000, 10, 1.0, 0.004, 0.0, "long")
    assert round(float(lp), 2) == 60_542.17


def test_short_10x_at_67000_by_hand():
    # 67,000 * (1 + 1/10) / (1 + 0.004) = 73,700 / 1.004 = 73,406.3745...
    # check: 1.004 * 73,406.3745 = 73,406.3745 + 293.6255 = 73,700.0
    lp = liquidation_price(67_000, 10, 1.0, 0.004, 0.0, "short")
    assert float(lp) == pytest.approx(73_406.3745, abs=1e-4)


def test_higher_bracket_long_by_hand():
    # 5 BTC long at 60,000 = 300,000 USD notional -> bracket 250k..1M: MMR 1 %, cum 1,300.
    # 20x: LP = 60,000 * 0.95 / 0.99 - 1,300 / (5 * 0.99) = 57,575.7576 - 262.6263 = 57,313.1313
    # Independently: wallet 300,000/20 = 15,000; at LP equity = maintenance:
    # 15,000 + 5 (LP - 60,000) = 0.01 * 5 * LP - 1,300  ->  4.95 LP = 283,700  ->  57,313.1313
    b = load_brackets().for_notional(300_000)
    assert (b.mmr, b.cum_usd) == (0.01, 1_300)
    lp = liquidation_price(60_000, 20, 5.0, b.mmr, b.cum_usd, "long")
    assert float(lp) == pytest.approx(283_700 / 4.95, rel=1e-12)
    assert float(lp) == pytest.approx(57_313.1313, abs=1e-4)


def test_distances_from_entry_at_mmr_04pct():
    # MODEL.md: a long at MMR 0.4 % liquidates 9.64 % (10x), 1.61 % (50x), 0.60 % (100x),
    # 0.40 % (125x) below entry; the shortcut 1/L would say 1.0 % at 100x.
    lev = np.array([10, 50, 100, 125])
    dist = 1 - liquidation_price(100.0, lev, 1.0, 0.004, 0.0, "long") / 100.0
    assert np.round(dist * 100, 2).tolist() == [9.64, 1.61, 0.60, 0.40]


@settings(max_examples=200, deadline=None)
@given(ep=st.floats(100, 200_000), lev=st.floats(1.5, 20), qty=st.floats(1e-3, 50),
       side=st.sampled_from(["long", "short"]))
def test_at_lp_equity_equals_maintenance(ep, lev, qty, side):
    """The defining property: at LP, wallet + unrealised PnL = MMR * notional(LP) - cum."""
    table = load_brackets()
    b = table.for_notional(ep * qty)
    if lev > b.max_leverage:
        return
    lp = float(liquidation_price(ep, lev, qty, b.mmr, b.cum_usd, side))
    sign = 1 if side == "long" else -1
    equity = ep * qty / lev + sign * qty * (lp - ep)
    maint = b.mmr * qty * lp - b.cum_usd
    assert equity == pytest.approx(maint, rel=1e-9, abs=1e-6 * ep * qty)


def test_lp_factor_is_lp_over_entry_at_fixed_notional():
    table = load_brackets()
    for notional in (10_000, 300_000, 5_000_000):
        b = table.for_notional(notional)
        lev = np.array([2.0, 5.0, min(10.0, b.max_leverage)])
        for side in ("long", "short"):
            ep = 87_654.3
            lp = liquidation_price(ep, lev, notional / ep, b.mmr, b.cum_usd, side)
            np.testing.assert_allclose(lp_factor(lev, notional, table, side), lp / ep, rtol=1e-12)


def test_shipped_table_cum_follows_the_recurrence():
    # cum[i] = cum[i-1] + floor[i] * (mmr[i] - mmr[i-1]), recomputed here from the CSV numbers
    assert "binance_btcusdt_2025" in shipped_brackets()
    df = load_brackets("binance_btcusdt_2025").to_frame()
    cum = [0.0]
    for i in range(1, len(df)):
        cum.append(cum[-1] + df.floor_usd[i] * (df.mmr[i] - df.mmr[i - 1]))
    np.testing.assert_allclose(df.cum_usd, cum, atol=1e-6)
    assert df.cum_usd.tolist()[:4] == [0, 50, 1_300, 16_300]
    assert df.mmr.tolist()[-1] == 0.5 and df.cum_usd.tolist()[-1] == 100_016_300


def test_user_csv_loads(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("# my venue\nfloor_usd,cap_usd,mmr,cum_usd,max_leverage\n"
                 "0,100000,0.005,0,50\n100000,1000000,0.01,500,20\n")
    t = load_brackets(str(p))
    assert t.name == "mine" and t.for_notional(200_000).cum_usd == 500


@pytest.mark.parametrize("rows,msg", [
    ("0,100000,0.005,0,50\n100000,1000000,0.01,900,20\n", "recurrence"),
    ("0,100000,0.005,0,50\n200000,1000000,0.01,1500,20\n", "contiguous"),
    ("10,100000,0.005,0,50\n", "start at 0"),
    ("0,100000,1.5,0,50\n", "mmr"),
])
def test_bad_bracket_tables_are_clear_errors(rows, msg):
    with pytest.raises(ValueError, match=msg):
        parse_brackets("floor_usd,cap_usd,mmr,cum_usd,max_leverage\n" + rows, "bad")


def test_bad_lookups_are_clear_errors():
    table = load_brackets()
    with pytest.raises(ValueError, match="unknown bracket table"):
        load_brackets("nonsense")
    with pytest.raises(ValueError, match="above the top bracket"):
        table.for_notional(1e9)
    with pytest.raises(ValueError, match="outside"):
        lp_factor([150.0], 10_000, table, "long")      # 125x is the cap below 50k
    with pytest.raises(ValueError, match="outside"):
        lp_factor([50.0], 2_000_000, table, "long")    # 20x is the cap in 1M..10M
    with pytest.raises(ValueError, match="side"):
        liquidation_price(1, 2, 1, 0.004, 0, "up")
