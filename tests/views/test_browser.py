"""What users look at, in a real browser (Debian's headless Chromium through Playwright):
notebook 01 in JupyterLab (run all cells, see the heatmap, drag a slider, switch the timeframe
and the exchange, jump to another cascade and back to 2025-10-10: each time the status line names
the new state and the heatmap changes) and
the standalone page ``liqlab render`` writes (opens offline, shows the heatmap, zooms).
Screenshots are kept under artifacts/browser/."""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from tests import browser as B

pytestmark = pytest.mark.browser
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _wait_for_change(page, shot, before, what: str, timeout: float = 60.0):
    """Poll screenshots until the picture differs from ``before`` by more than 2 % of pixels."""
    deadline = time.monotonic() + timeout
    while True:
        png = shot()
        after = B.pixels(png)
        share = B.changed_share(before, after)
        if share > 0.02 or time.monotonic() > deadline:
            return png, after, share
        page.wait_for_timeout(500)


def _settle(page, shot, png: bytes, timeout: float = 30.0) -> bytes:
    """Poll screenshots until two in a row (a second apart) agree: the redraw (and any follow-up
    re-aggregation bokeh asks for) is over. Returns the last screenshot."""
    deadline = time.monotonic() + timeout
    last = B.pixels(png)
    while time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        png = shot()
        now = B.pixels(png)
        if B.changed_share(last, now) < 0.002:
            break
        last = now
    return png


def _fills_the_window(img: np.ndarray, what: str) -> float:
    """The heatmap reaches the chart's left part (the window's first days), not only the range
    an earlier view had: share of heatmap pixels in the main chart's left fifth."""
    h, w = img.shape[:2]
    share = float(B.ramp_mask(img)[int(0.1 * h):int(0.48 * h), int(0.11 * w):int(0.3 * w)].mean())
    assert share > 0.15, f"{what}: the heatmap does not reach the window's start ({share:.1%} there)"
    return share


def _dropdown(page, label: str):
    """The <select> of the ipywidgets Dropdown labelled exactly ``label``."""
    name = page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.locator(".jp-OutputArea-output .widget-dropdown", has=name).locator("select").first


def _options(select) -> list[str]:
    """The option labels shown (ipywidgets writes spaces as no-break spaces)."""
    return [t.replace("\xa0", " ") for t in select.evaluate("el => Array.from(el.options).map(o => o.text)")]


def _selected(select) -> str:
    i = select.evaluate("el => el.selectedIndex")
    return _options(select)[i] if i >= 0 else ""


def _choose(select, label: str) -> None:
    """Pick ``label`` in the <select> as a user would (a change event the widget sends on)."""
    options = _options(select)
    assert label in options, f"{label!r} is not offered: {options}"
    select.select_option(index=options.index(label))


def test_notebook_01_in_jupyterlab(tmp_path):
    B.require_chromium()
    nb = B.copy_notebook(NOTEBOOKS / "01_heatmap_explorer.ipynb", tmp_path / "lab")
    with B.jupyterlab(nb.parent) as (base, token), B.browser() as page:
        try:
            _drive_notebook_01(page, base, token, nb)
        except Exception:
            page.screenshot(path=str(B.save("notebook01_failure.png", page.screenshot())))
            raise


class _Notebook01:
    """Notebook 01 open and run in the page: the chart, the controls and the status line."""

    def __init__(self, page):
        self.page = page
        self.canvas = page.locator(".jp-OutputArea-output canvas").first
        self.plot = page.locator(".jp-OutputArea-output .bk-Figure, .jp-OutputArea-output .bk-GridPlot").first
        self.status = page.locator(".jp-OutputArea-output .widget-html", has_text="columns x").first
        self.controls = page.locator(".jp-OutputArea-output",
                                     has=page.locator(".widget-html", has_text="columns x")).last

    def shot(self) -> bytes:
        self.canvas.scroll_into_view_if_needed()
        return self.plot.screenshot()

    def status_text(self) -> str:
        return " ".join(self.status.inner_text().split())

    def wait_for_status(self, expected: str, what: str, timeout: float = 120.0) -> str:
        """Wait until the status line contains ``expected`` (or says "not applied": fail)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.status_text()
            assert "not applied" not in text, f"{what}: {text}"
            if expected in text:
                return text
            assert time.monotonic() < deadline, f"{what}: the status line never said {expected!r}: {text}"
            self.page.wait_for_timeout(500)

    def change(self, before: np.ndarray, name: str, expected_status: str, act, what: str) -> np.ndarray:
        """Do ``act()``, wait for the status line to name the new state and the heatmap to
        change by > 2 % of its pixels and settle; keep screenshots as ``notebook01_<name>``."""
        act()
        status = self.wait_for_status(expected_status, what)
        png, after, share = _wait_for_change(self.page, self.shot, before, what, timeout=90)
        png = _settle(self.page, self.shot, png)
        after = B.pixels(png)
        share = B.changed_share(before, after)
        B.save(f"notebook01_{name}.png", png)
        self.controls.scroll_into_view_if_needed()
        B.save(f"notebook01_{name}_controls.png", self.controls.screenshot())
        assert share > 0.02, f"{what}: the heatmap did not change ({share:.3%}); status: {status}"
        counts = B.check_heatmap(after, f"notebook 01 heatmap {what}")
        _fills_the_window(after, f"notebook 01 heatmap {what}")
        status = self.wait_for_status(expected_status, what, timeout=5)  # still so, nothing later undid it
        print(f"{what}: changed {share:.1%} of the chart's pixels, {counts}; status: {status[:90]}")
        return after


def _drive_notebook_01(page, base, token, nb):
    if True:
        page.goto(f"{base}/lab/tree/{nb.name}?token={token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        B.run_all(page, "notebook 01", 180.0)
        nb01 = _Notebook01(page)
        canvas, shot = nb01.canvas, nb01.shot
        canvas.wait_for(timeout=180_000)
        for dismiss in page.locator(".jp-Notification-Toast button", has_text="No").all():
            dismiss.click()  # the news prompt covers the chart's corner
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(3000)

        png = _settle(page, shot, shot())
        B.save("notebook01_before.png", png)
        before = B.pixels(png)
        counts = B.check_heatmap(before, "notebook 01 heatmap")
        _fills_the_window(before, "notebook 01 heatmap")
        first = nb01.wait_for_status("all exchanges, 3d to 2025-10-11 00:00 UTC", "the first view", 30)
        assert "binance" in first and "bybit" in first, first
        # drag the inflow_volume_share slider (0.02 by default) to its right end (1.0)
        row = page.locator(".widget-slider", has=page.locator("label", has_text="inflow_volume_share"))
        row.scroll_into_view_if_needed()
        handle = row.locator(".noUi-handle").first
        track = row.locator(".noUi-target, .noUi-base").first
        hb, tb = handle.bounding_box(), track.bounding_box()
        page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
        page.mouse.down()
        page.mouse.move(tb["x"] + tb["width"] + 40, hb["y"] + hb["height"] / 2, steps=12)
        page.mouse.up()
        readout = row.locator(".widget-readout").first.inner_text()
        page.screenshot(path=str(B.ARTIFACTS / "notebook01_slider_moved_page.png"))
        assert float(readout) == pytest.approx(1.0), f"slider did not move: readout {readout}"
        png, after, share = _wait_for_change(page, shot, before, "after the slider")
        png = _settle(page, shot, png)
        after = B.pixels(png)
        share = B.changed_share(before, after)
        B.save("notebook01_after.png", png)
        assert share > 0.02, f"the heatmap did not change after the slider moved ({share:.3%})"
        B.check_heatmap(after, "notebook 01 heatmap after the slider")
        assert "not applied" not in nb01.status_text(), nb01.status_text()
        print(f"before {counts}, changed {share:.1%} of the chart's pixels")

        # switch the timeframe: 3d -> 1w (the same end)
        window = _dropdown(page, "window")
        assert _selected(window) == "3d", _options(window)
        pic = nb01.change(after, "window_1w", "all exchanges, 1w to 2025-10-11 00:00 UTC",
                          lambda: _choose(window, "1w"), "after the window 3d -> 1w")
        assert _selected(window) == "1w"

        # one exchange instead of the aggregate
        exchange = _dropdown(page, "exchange")
        assert _options(exchange) == ["all exchanges", "binance", "bybit"], _options(exchange)
        pic = nb01.change(pic, "exchange_bybit", "bybit, 1w to 2025-10-11 00:00 UTC",
                          lambda: _choose(exchange, "bybit"), "after the exchange -> bybit")

        # travel in history: the 2024-08-05 crash (only Binance's candles cover it)
        jump = _dropdown(page, "jump to")
        end = page.locator(".jp-OutputArea-output .widget-text", has=page.locator("label", has_text="window end"))
        pic = nb01.change(pic, "jump_2024-08-05", "all exchanges, 1w to 2024-08-06 00:00 UTC",
                          lambda: _choose(jump, "2024-08-05 yen-carry crash"),
                          "after the jump to 2024-08-05")
        status = nb01.status_text()
        assert "binance" in status and "bybit" not in status, status
        assert end.locator("input").input_value() == "2024-08-06T00:00Z"
        assert _selected(window) == "1w"
        assert _options(exchange) == ["all exchanges", "binance"], _options(exchange)
        assert _selected(exchange) == "all exchanges", _selected(exchange)

        # and back to the 2025-10-10 record cascade
        nb01.change(pic, "jump_2025-10-10", "all exchanges, 1w to 2025-10-11 00:00 UTC",
                    lambda: _choose(jump, "2025-10-10 record cascade"),
                    "after the jump back to 2025-10-10")
        status = nb01.status_text()
        assert "binance" in status and "bybit" in status, status
        assert end.locator("input").input_value() == "2025-10-11T00:00Z"
        assert _options(exchange) == ["all exchanges", "binance", "bybit"], _options(exchange)


def test_rendered_page_opens_offline(tmp_path):
    B.require_chromium()
    import contextlib
    import io

    from liqlab.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["render", "--out", str(tmp_path)]) == 0
    html = [ln.split("wrote ", 1)[1] for ln in buf.getvalue().splitlines() if ln.startswith("wrote ")][0]
    with B.browser() as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(Path(html).as_uri())
        plot = page.locator(".bk-Figure, .bk-GridPlot").first
        plot.wait_for(timeout=60_000)
        page.locator("canvas").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        png = plot.screenshot()
        B.save("render_page.png", png)
        before = B.pixels(png)
        B.check_heatmap(before, "liqlab render page")
        remote = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
        assert remote == [], f"the page fetched from the network: {remote[:5]}"
        # zoom in with the mouse wheel over the heatmap: bokeh redraws the view
        box = page.locator("canvas").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.2)
        page.mouse.wheel(0, -600)
        png, after, share = _wait_for_change(page, plot.screenshot, before, "after zooming", 20)
        B.save("render_page_zoomed.png", png)
        assert share > 0.02, f"zooming did not change the picture ({share:.3%})"
