"""`liqlab render` (and so `make demo`): a standalone offline HTML page and a PNG."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from liqlab.cli import main

# any <script src=...> or <link href=...> (network or a relative path) breaks a standalone page
_EXTERNAL = re.compile(r"<(script|link)\b[^>]*\b(src|href)\s*=", re.I)


def _written(out: str) -> list[str]:
    return [line.split("wrote ", 1)[1] for line in out.splitlines() if line.startswith("wrote ")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default render: 3 days to 2025-10-11 00:00 UTC on Binance, the 2025-10-10 cascade."""
    out = tmp_path_factory.mktemp("demo")
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["render", "--out", str(out)])
    return rc, buf.getvalue(), out


def test_render_prints_the_paths_it_wrote(demo):
    rc, printed, out = demo
    assert rc == 0
    paths = _written(printed)
    assert [p.rsplit(".", 1)[1] for p in paths] == ["html", "png"]
    for p in paths:
        assert p.startswith(str(out))


def test_html_is_standalone_and_offline(demo):
    _, printed, _ = demo
    with open(_written(printed)[0], encoding="utf-8") as f:
        html = f.read()
    assert _EXTERNAL.search(html) is None, _EXTERNAL.search(html).group(0)
    assert "https://cdn" not in html.split("<body>")[0].replace("bokeh.org", "")  # no CDN in head
    assert len(html) > 1_000_000 and "Bokeh.embed.embed_items" in html  # bokehjs itself inline
    # the page carries the cascade's data: the title names the window
    assert "2025-10-11 00:00" in html


def test_png_shows_the_heatmap_and_the_cascade(demo):
    _, printed, _ = demo
    img = np.asarray(Image.open(_written(printed)[1]).convert("RGB")).astype(int)
    assert img.shape[0] > 400 and img.shape[1] > 800
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    up = (abs(r - 0x26) < 20) & (abs(g - 0xa6) < 20) & (abs(b - 0x9a) < 20)
    down = (abs(r - 0xef) < 20) & (abs(g - 0x53) < 20) & (abs(b - 0x50) < 20)
    assert up.sum() > 500 and down.sum() > 500  # green and red candles and volume bars
    # the black-to-yellow ramp (blue ~0, red >= green): black background, amber levels, and
    # bright yellow clusters, at many intensities
    black = (r < 12) & (g < 12) & (b < 12)
    ramp = (b < 30) & (r > 40) & (r >= g - 10)
    yellow = (r > 230) & (g > 170) & (b < 60)
    assert black.sum() > 20_000 and ramp.sum() > 20_000 and yellow.sum() > 200
    assert len(np.unique(r[ramp] // 16)) >= 10  # a ramp, not two flat colours


def test_render_names_the_inputs(demo):
    _, printed, _ = demo
    first = printed.splitlines()[0]
    assert first.startswith("binance BTC, 3d to 2025-10-11 00:00 UTC")
    assert "binance_btcusdt_5m" in first and "Hyperliquid" in first  # data and OI proxy stated


def test_render_rejects_an_exchange_without_data(tmp_path, capsys):
    assert main(["render", "--out", str(tmp_path), "--exchange", "kraken"]) == 2
    assert "no embedded kraken candles cover the 3d window" in capsys.readouterr().err


def test_render_rejects_a_window_outside_the_data(tmp_path, capsys):
    rc = main(["render", "--out", str(tmp_path), "--end", "2030-01-01T00:00Z"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "no embedded binance candles cover the 3d window 2029-12-29 00:00 .. 2030-01-01 00:00" in err
    assert "binance_btcusdt_5m 2025-08-01..2025-10-31" in err  # says what is embedded
    assert not list(tmp_path.iterdir())


def test_render_rejects_a_bad_time(tmp_path, capsys):
    assert main(["render", "--out", str(tmp_path), "--end", "yesterday-ish"]) == 2
    assert "is not a time" in capsys.readouterr().err


def test_okx_at_the_default_date_says_which_dates_okx_covers_and_what_works(tmp_path, capsys):
    assert main(["render", "--out", str(tmp_path), "--exchange", "okx"]) == 2
    err = capsys.readouterr().err
    # the two embedded OKX candle samples, newest first, and nothing about other exchanges
    assert "Embedded okx candles: okx_btc_1h 2025-12-05..2026-03-05 (1h); " \
           "okx_btcusdt_5m_2022_11 2022-10-25..2022-11-15 (5m)." in err
    assert "binance" not in err and len(err) < 400, err
    cmd = err.split("Try: ", 1)[1].strip()
    # okx_btc_1h's last bar opens 2026-03-05 10:00, so a window ending 11:00 holds it
    assert cmd == "liqlab render --exchange okx --window 3d --end 2026-03-05T11:00Z"
    # ... and the suggested command works
    capsys.readouterr()
    assert main(cmd.split()[1:] + ["--out", str(tmp_path)]) == 0
    assert "okx BTC, 3d to 2026-03-05 11:00 UTC" in capsys.readouterr().out


def test_a_window_longer_than_the_samples_gets_one_that_fits():
    from liqlab.cli.render import suggest
    # okx_btc_1h holds 90 days: 6m (182 days) does not fit; 1m with its 30-day warm-up does,
    # 3m with its 60-day warm-up (150 days) does not
    assert suggest("okx", "6m") == "liqlab render --exchange okx --window 1m --end 2026-03-05T11:00Z"


def test_an_exchange_without_any_candles_lists_those_with(tmp_path, capsys):
    assert main(["render", "--out", str(tmp_path), "--exchange", "bitmex"]) == 2
    err = capsys.readouterr().err
    assert "there are no embedded bitmex candles at all; exchanges with embedded candles: " in err
    assert "okx" in err and "binance" in err


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    """--side long and --side short rendered into one folder."""
    import contextlib
    import io
    out = tmp_path_factory.mktemp("sides")
    printed = {}
    for side in ("long", "short"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["render", "--out", str(out), "--side", side, "--window", "12h"]) == 0
        printed[side] = buf.getvalue()
    return out, printed


def test_long_and_short_do_not_overwrite_each_other(sides):
    out, printed = sides
    names = sorted(p.name for p in out.iterdir())
    assert names == ["liqlab_binance_12h_long_20251011T0000.html",
                     "liqlab_binance_12h_long_20251011T0000.png",
                     "liqlab_binance_12h_short_20251011T0000.html",
                     "liqlab_binance_12h_short_20251011T0000.png"]
    assert printed["long"].startswith("binance BTC, 12h to 2025-10-11 00:00 UTC, long liquidation levels.")
    assert printed["short"].startswith("binance BTC, 12h to 2025-10-11 00:00 UTC, short liquidation levels.")
    html = (out / "liqlab_binance_12h_short_20251011T0000.html").read_text(encoding="utf-8")
    assert "short liquidation levels" in html
    assert "within 2%" in html and "top levels at 2025-10-10 23:55 UTC" in html  # the summary
    # the header block starts with the title (the page's JSON escapes < and > as &lt; &gt;)
    assert ('liqlab-title\\" style=\\"font-size:15px;font-weight:bold;margin:2px 0 4px\\"&gt;'
            'binance BTC, 12h to 2025-10-11 00:00 UTC, short liquidation levels&lt;/div&gt;') in html


def test_picture_writes_one_small_png(tmp_path, capsys):
    target = tmp_path / "img" / "heatmap.png"
    assert main(["render", "--picture", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {target}"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["heatmap.png"]
    with Image.open(target) as img:
        w, h = img.size
    assert w == 1000 and 500 < h < 1000
    assert target.stat().st_size < 200_000


def test_render_needs_somewhere_to_write(tmp_path, capsys):
    assert main(["render"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    assert main(["render", "--picture", str(tmp_path / "x.jpg")]) == 2
    assert "ending in .png" in capsys.readouterr().err


def test_bad_bands_are_a_usage_error(tmp_path, capsys):
    assert main(["render", "--out", str(tmp_path), "--bands", "2,abc"]) == 2
    assert "expected percentages between 0 and 100" in capsys.readouterr().err


@pytest.fixture(scope="module")
def page_model():
    """The dashboard `liqlab render` writes for 12h to 2025-10-11, as its bokeh model."""
    import holoviews as hv

    from liqlab.cli.render import DEFAULT_END, picture
    from liqlab.views import layout
    from liqlab.views.summary import levels_summary

    hv.extension("bokeh", logo=False)
    pic = picture("12h", DEFAULT_END, side="long")
    page = layout.dashboard(pic.heatmap, pic.candles, oi=pic.data.oi, side="long", dynamic=False,
                            title=pic.title.split(". ")[0])
    last = float(pic.candles["close"].iloc[-1])
    summary = levels_summary(pic.heatmap, last)
    return hv.renderer("bokeh").get_plot(page).state, last, summary, layout.summary_html(summary, [pic.inputs])


def test_dashboard_names_side_last_price_and_legend(page_model):
    from bokeh.models import Label, Legend, NumeralTickFormatter, Title

    model, last, _, _ = page_model
    titles = [t.text for t in model.select({"type": Title}) if t.text]
    assert any(t.startswith("binance BTC, 12h to 2025-10-11 00:00 UTC, long liquidation levels")
               for t in titles), titles
    tags = list(model.select({"type": Label, "name": "last_price_tag"}))
    assert [(t.text, t.y) for t in tags] == [(f"{last:,.0f}", last)]
    legends = list(model.select({"type": Legend}))
    labels = [i.label["value"] for lg in legends for i in lg.items]
    assert "candles" in labels and f"last price {last:,.0f}" in labels
    # the price axis has thousands separators: the first plot's y formatter is "0,0"
    fmts = [f.format for f in model.select({"type": NumeralTickFormatter})]
    assert "0,0" in fmts


def test_summary_html_holds_the_band_totals_and_top_levels(page_model):
    from liqlab.views.scale import usd

    _, last, summary, html = page_model
    assert f"last price {last:,.0f}" in html
    for b in summary.bands.itertuples():
        assert f"<td>within {b.pct:g}%</td><td>{usd(b.long_usd)}</td><td>{usd(b.short_usd)}</td>" in html
    assert html.count("<tr><td>") == len(summary.bands) + len(summary.top) and len(summary.top) == 5
    assert "inputs: binance_btcusdt_5m (5m candles" in html


def test_six_months_say_they_use_another_model():
    """6m and 1y have no open-interest history embedded for their warm-up: the picture says the
    inflow is volume only (there is no OI panel) instead of switching models silently."""
    from liqlab.cli.render import DEFAULT_END, _png, picture
    from liqlab.views.summary import levels_summary

    pic = picture("6m", DEFAULT_END)
    assert pic.data.oi is None
    assert pic.inputs.startswith("inputs: binance_btcusdt_1h (1h candles, a heatmap column every ")
    assert pic.inputs.endswith("inflow binance: volume only (no open interest)")
    assert pic.warning.startswith("volume-only model here: no open-interest history covers this window")
    last = float(pic.candles["close"].iloc[-1])
    fig = _png(pic, "both", levels_summary(pic.heatmap, last), pic.title.split(". ")[0])
    texts = [t.get_text().replace("\n", " ") for t in fig.axes[0].texts]
    assert pic.warning in texts
    assert fig.axes[0].get_title(loc="left").startswith(pic.inputs)
    assert len([a for a in fig.axes if a.get_ylabel() == "OI (USD)"]) == 0
