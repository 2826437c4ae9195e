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
