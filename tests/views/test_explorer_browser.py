"""The explorer in a real page (JupyterLab, Debian's headless Chromium): after a long chain of
changes (windows from 24h to 1y, exchanges, cascades, one window back, a model slider, the side)
the plotted price axis still follows the candles of the window shown, the heatmap fills it, and
the "updating" note shows while a slow change is applied and is gone once the picture is there.

The expected ranges come from the embedded candles themselves (their low and high in the window
the status line names), not from the explorer's code. Issue 13 item 9: the axis once stuck at
58k..130k (a 1y window's range) after such a chain, leaving the map a sliver."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from liqlab.data import load as sources
from liqlab.pipeline import estimate_window
from tests import browser as B

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            "import holoviews as hv\n", "from liqlab.views.explorer import Explorer\n",
            "hv.extension('bokeh', inline=True, logo=False)"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            "explorer = Explorer(window='1w', end='2025-10-11T00:00Z')\n", "explorer"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}

#: the main chart's axes and heatmap image, read from BokehJS's own models in the page
PLOTTED = """() => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (!(m.type === 'Figure' || m.type === 'Plot')) continue;
    const img = m.renderers.filter(r => r.glyph && r.glyph.type === 'Image');
    if (!img.length) continue;
    const d = img[0].data_source.data;
    return {y: [m.y_range.start, m.y_range.end], x: [m.x_range.start, m.x_range.end],
            img_y: [d.y[0], d.y[0] + d.dh[0]], img_x: [d.x[0], d.x[0] + d.dw[0]]};
  }
  return null;
}"""
STATUS = re.compile(r"^(?P<exchange>.+?), (?P<window>\w+) to (?P<end>\d{4}-\d\d-\d\d \d\d:\d\d) UTC")


class _Page:
    def __init__(self, page):
        self.page = page
        self.status = page.locator(".jp-OutputArea-output .widget-html", has_text="columns x").first

    def select(self, label: str):
        name = self.page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
        return self.page.locator(".jp-OutputArea-output .widget-dropdown", has=name).locator("select").first

    def choose(self, label: str, option: str) -> None:
        sel = self.select(label)
        texts = sel.evaluate("el => Array.from(el.options).map(o => o.text)")
        options = [t.replace("\xa0", " ") for t in texts]
        assert option in options, f"{label}: {option!r} is not offered ({options})"
        sel.select_option(index=options.index(option))

    def click(self, text: str) -> None:
        self.page.locator(".jp-OutputArea-output button", has_text=text).first.click()

    def drag(self, label: str, fraction: float) -> None:
        row = self.page.locator(".widget-slider", has=self.page.locator("label", has_text=label)).first
        row.scroll_into_view_if_needed()
        hb = row.locator(".noUi-handle").first.bounding_box()
        tb = row.locator(".noUi-base").first.bounding_box()
        y = hb["y"] + hb["height"] / 2
        self.page.mouse.move(hb["x"] + hb["width"] / 2, y)
        self.page.mouse.down()
        self.page.mouse.move(tb["x"] + tb["width"] * fraction, y, steps=6)
        self.page.mouse.up()

    def zoom(self, clicks: int = 3) -> None:
        """Wheel-zoom into the heatmap's upper left (bokeh sends the new range to the kernel)."""
        canvas = self.page.locator(".jp-OutputArea-output canvas").first
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        self.page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.25)
        for _ in range(clicks):
            self.page.mouse.wheel(0, -300)
            self.page.wait_for_timeout(80)

    def shown(self) -> dict:
        """What the status line says is shown: exchange, window, end."""
        text = " ".join(self.status.inner_text().split())
        assert "not applied" not in text, text
        m = STATUS.match(text)
        assert m, f"status line not understood: {text[:200]}"
        return m.groupdict()


def _expected(shown: dict) -> tuple[float, float, pd.Timestamp, pd.Timestamp]:
    """The candles' low and high and the window's span for what the status line names, from
    the embedded candles."""
    data = sources.load_window(shown["window"], pd.Timestamp(shown["end"], tz="UTC"))
    ex = None if shown["exchange"] == sources.AGGREGATE else shown["exchange"]
    c = data.candles(ex)
    return float(c["low"].min()), float(c["high"].max()), data.start, data.end


def _check_axes(plotted: dict, shown: dict, step: str) -> None:
    lo, hi, start, end = _expected(shown)
    y0, y1 = plotted["y"]
    span = hi - lo
    what = f"after {step} ({shown}): axis {y0:,.0f}..{y1:,.0f}, candles {lo:,.0f}..{hi:,.0f}"
    assert y0 <= lo and y1 >= hi, f"the price axis cuts candles off {what}"
    assert (y1 - y0) <= span * 1.3, f"the price axis is far wider than the candles {what}"
    i0, i1 = plotted["img_y"]
    assert i0 <= y0 + 0.03 * (y1 - y0) and i1 >= y1 - 0.03 * (y1 - y0), \
        f"the heatmap does not fill the price axis (image {i0:,.0f}..{i1:,.0f}) {what}"
    x0, x1 = (pd.Timestamp(v, unit="ms") for v in plotted["x"])
    s, e = start.tz_convert(None), end.tz_convert(None)
    tol = (e - s) * 0.05
    assert abs(x0 - s) < tol and abs(x1 - e) < tol, f"time axis {x0}..{x1}, window {s}..{e} {what}"


def _drive(tmp_path, which: str) -> None:
    B.require_chromium()
    nb = tmp_path / "lab" / "explorer_chain.ipynb"
    nb.parent.mkdir()
    nb.write_text(json.dumps(NOTEBOOK))
    with B.jupyterlab(nb.parent) as (base, token), B.browser(viewport=(1500, 1800)) as page:
        try:
            B.open_and_run(page, base, token, nb)
            page.wait_for_function(B.KERNEL_IDLE, timeout=120_000)
            ui = _Page(page)
            def burst(*acts):
                """Changes made in quick succession, before the picture of the first is drawn."""
                def run():
                    for a in acts:
                        a()
                        page.wait_for_timeout(250)
                return run

            chain = [
                ("window 1y", lambda: ui.choose("window", "1y")),
                # (a window switch within a few hundred ms of a wheel zoom can still keep the zoom:
                # the zoom's range message races the switch; see docs/benchmarks.md)
                ("zoom, then window 1w", burst(ui.zoom, lambda: page.wait_for_timeout(1000),
                                               lambda: ui.choose("window", "1w"))),
                ("exchange binance, window 3d", burst(lambda: ui.choose("exchange", "binance"),
                                                      lambda: page.wait_for_timeout(1500),
                                                      lambda: ui.choose("window", "3d"))),
                ("zoom, then window 1y", burst(ui.zoom, lambda: page.wait_for_timeout(1000),
                                               lambda: ui.choose("window", "1y"))),
                ("exchange all", lambda: ui.choose("exchange", "all exchanges")),
                ("a model slider", lambda: ui.drag("inflow_volume_share", 0.3)),
                ("window 1w", lambda: ui.choose("window", "1w")),
                ("exchange bybit", lambda: ui.choose("exchange", "bybit")),
                ("jump to 2024-08-05", lambda: ui.choose("jump to", "2024-08-05 yen-carry crash")),
                ("window 6m", lambda: ui.choose("window", "6m")),
                ("one window back", lambda: ui.click("◀ one window")),
                ("window 3d", lambda: ui.choose("window", "3d")),
                ("jump to 2025-10-10", lambda: ui.choose("jump to", "2025-10-10 record cascade")),
                ("window 1y", lambda: ui.choose("window", "1y")),
                ("window 24h", lambda: ui.choose("window", "24h")),
                ("exchange bybit", lambda: ui.choose("exchange", "bybit")),
                ("side long", lambda: ui.click("long")),
                ("window 1w", lambda: ui.choose("window", "1w")),
            ]
            if which == "burst":
                chain = [("window 1y, exchange binance, window 3d in a burst",
                          burst(lambda: ui.choose("window", "1y"), lambda: ui.choose("exchange", "binance"),
                                lambda: ui.choose("window", "3d")))]
            slow, missed = 0, []
            for step, act in chain:
                r = B.measure(page, act, quiet=1.5, timeout=120)
                assert r["latency"] is not None, f"{step}: the chart never changed"
                shown = ui.shown()
                _check_axes(page.evaluate(PLOTTED), shown, step)
                # the "updating" note: up while a slow change is applied, gone once it is drawn
                if r["latency"] > 0.25:
                    slow += 1
                    if not r["shown"] or r["shown"][0] - r["input"] > r["latency"] * 1000:
                        missed.append(f"{step} ({r['latency']:.2f} s)")
                assert not r["busy"] and not page.locator(".liqlab-updating").count(), \
                    f"{step}: the 'updating' note is still there after the picture was drawn"
                print(f"{step}: {r['latency']:.2f} s, {shown}")
            B.save("explorer_chain_end.png", page.screenshot())
            assert slow or which == "burst", "no change took over 0.25 s: the note was not exercised"
            assert not missed, f"the 'updating' note did not show for these slow changes: {missed}"
        except Exception:
            B.save("explorer_chain_failure.png", page.screenshot())
            raise


def test_a_long_chain_of_changes_keeps_the_axes_on_the_candles(tmp_path):
    _drive(tmp_path, "chain")


@pytest.mark.xfail(strict=False, reason="issue 13 item 9, not fully fixed: three changes 250 ms "
                   "apart (window 1y, exchange, window 3d) leave the 1y heatmap and price axis in "
                   "about one run in three (docs/benchmarks.md)")
def test_a_burst_of_changes_ends_on_the_last_window(tmp_path):
    _drive(tmp_path, "burst")
