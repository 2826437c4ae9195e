"""What the user waits for: the explorer in JupyterLab, driven in headless Chromium, each control
timed from its input event to the new picture painted.

    python benchmarks/bench_browser.py              # 5 moves per control and window (~5-8 min)
    python benchmarks/bench_browser.py --reps 2     # quicker look

JupyterLab runs on 127.0.0.1 (a random token, its settings in a temporary folder) with a small
generated notebook: ``Explorer(window="1w", end="2025-10-11T00:00Z")`` on the embedded real data
(Binance and Bybit 5-minute candles for 1w; Binance hourly candles for 1y). Debian's
/usr/bin/chromium (Playwright, never a downloaded browser) runs all cells, then moves the
controls as a user does (drags a slider's handle, clicks a button, picks from a drop-down).

The clock (tests/browser.py ``LATENCY_PROBE``, in the page): it starts at the control's last
input event (pointer up, click or change) and stops at the last animation frame whose bokeh
canvases differ in pixels from the frame before, once the kernel is idle again and nothing has
changed for 1.5 s. So it covers everything between the hand and the eye: the comm message to the
kernel, any debounce, the estimate, datashader, bokeh serialisation, the websocket, BokehJS
drawing, and any follow-up round trip (a range update the plot sends back). The status line
printed for each window names the kernel's share of its last update (``update ... ms in the
kernel``); ``--trace`` writes the kernel's and the page's timestamps of every move to a file.

Controls timed, at 1w and at 1y: a model slider (``inflow_volume_share``, re-estimates), the
colour clip slider and the side toggle (view only), the exchange (1w only: the 1y window has
one exchange), "one window back/forward" (reloads and re-estimates), and the window drop-down
(1w <-> 1y: the time to show the other window, counted for the window switched to). The first
move of each control after the notebook ran is reported apart (first-use costs).

It also records whether the explorer's "updating" indicator showed for each move that took
longer than 0.2 s. Prints median and p90 per control and window with the machine, the load
(``os.getloadavg``) and the data size (from the explorer's status line).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_estimate import machine  # noqa: E402
from tests import browser as B  # noqa: E402

TARGETS = {"1w": 0.5, "1y": 1.5}
END = "2025-10-11T00:00Z"
NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            "import holoviews as hv\n", "from liqlab.views.explorer import Explorer\n",
            "hv.extension('bokeh', inline=True, logo=False)"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            f"explorer = Explorer(window='1w', end='{END}')\n", "explorer"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def chromium_version() -> str:
    try:
        out = subprocess.run([B.CHROMIUM, "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "chromium (version unknown)"
    except (OSError, subprocess.SubprocessError):
        return "chromium (version unknown)"


def p90(xs: list[float]) -> float:
    xs = sorted(xs)
    k = 0.9 * (len(xs) - 1)
    lo = int(k)
    return xs[lo] + (xs[min(lo + 1, len(xs) - 1)] - xs[lo]) * (k - lo)


class Page:
    """The explorer's controls in the page, located as a user finds them (by their labels)."""

    def __init__(self, page):
        self.page = page
        self.status = page.locator(".jp-OutputArea-output .widget-html", has_text="columns x").first

    def status_text(self) -> str:
        return " ".join(self.status.inner_text().split())

    def _row(self, label: str):
        return self.page.locator(".widget-slider", has=self.page.locator("label", has_text=label)).first

    def drag(self, label: str, fraction: float) -> None:
        """Drag the slider ``label``'s handle to ``fraction`` of its track."""
        row = self._row(label)
        row.scroll_into_view_if_needed()
        handle = row.locator(".noUi-handle").first
        track = row.locator(".noUi-base").first
        hb, tb = handle.bounding_box(), track.bounding_box()
        y = hb["y"] + hb["height"] / 2
        self.page.mouse.move(hb["x"] + hb["width"] / 2, y)
        self.page.mouse.down()
        self.page.mouse.move(tb["x"] + tb["width"] * fraction, y, steps=6)
        self.page.mouse.up()

    def readout(self, label: str) -> str:
        return self._row(label).locator(".widget-readout").first.inner_text()

    def click(self, text: str) -> None:
        self.page.locator(".jp-OutputArea-output button", has_text=text).first.click()

    def select(self, label: str):
        name = self.page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
        return self.page.locator(".jp-OutputArea-output .widget-dropdown", has=name).locator("select").first

    def options(self, label: str) -> list[str]:
        return [t.replace("\xa0", " ") for t in
                self.select(label).evaluate("el => Array.from(el.options).map(o => o.text)")]

    def choose(self, label: str, option: str) -> None:
        self.select(label).select_option(index=self.options(label).index(option))


def controls(ui: Page) -> dict:
    """name -> (there, back): two moves, each changing the picture, the second undoing the first
    (so every visit of a window leaves the controls as it found them)."""
    c = {
        "model slider (inflow_volume_share)": (lambda: ui.drag("inflow_volume_share", 0.3),
                                               lambda: ui.drag("inflow_volume_share", 0.08)),
        "clip slider (view only)": (lambda: ui.drag("clip pct", 0.5), lambda: ui.drag("clip pct", 0.95)),
        "side long/both (view only)": (lambda: ui.click("long"), lambda: ui.click("both")),
        "one window back/forward": (lambda: ui.click("◀ one window"), lambda: ui.click("one window ▶")),
    }
    if len(ui.options("exchange")) > 2:
        c["exchange bybit/all"] = (lambda: ui.choose("exchange", "bybit"),
                                   lambda: ui.choose("exchange", "all exchanges"))
    return c


TRACE = """import time as _t
import holoviews as _hv
from holoviews.operation.datashader import rasterize as _ras
from liqlab.views import explorer as _ex
_log = open({path!r}, "a")
def _wrap(name, fn):
    def traced(*a, **k):
        what = name(a) if callable(name) else name
        _log.write(f"{{_t.time():.3f}} start {{what}}\\n"); _log.flush()
        try:
            return fn(*a, **k)
        finally:
            _log.write(f"{{_t.time():.3f}} end {{what}}\\n"); _log.flush()
    return traced
_ex.Explorer._changed = _wrap("changed", _ex.Explorer._changed)
_ex.Explorer.refresh = _wrap("refresh", _ex.Explorer.refresh)
_names = lambda a: "trigger " + ",".join(type(s).__name__ for s in a[0])
_hv.streams.Stream.trigger = staticmethod(_wrap(_names, _hv.streams.Stream.trigger))
_ras._process = _wrap("rasterize", _ras._process)
"""


#: (with --trace) every websocket message the page receives: arrival time, size, and how long
#: its handler ran (JupyterLab decoding it, then BokehJS applying a patch or ipywidgets a state)
WS_TRACE = r"""(() => {
  window.__lqws = [];
  const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    get() { return d.get.call(this); },
    set(fn) {
      d.set.call(this, function (ev) {
        const t = performance.now();
        try { return fn.call(this, ev); }
        finally {
          const n = ev.data.byteLength || ev.data.size || ev.data.length || 0;
          window.__lqws.push([t, performance.now() - t, n]);
        }
      });
    }});
})();"""


def run(reps: int, quiet: float, out: Path | None, trace: Path | None = None) -> dict:
    results: dict[str, dict[str, list]] = {"1w": {}, "1y": {}}
    firsts: dict[str, dict[str, float | None]] = {"1w": {}, "1y": {}}
    sizes: dict[str, str] = {}
    busy: list[tuple[float, bool]] = []
    with tempfile.TemporaryDirectory(prefix="liqlab-bench-browser-") as tmp:
        root = Path(tmp)
        nb = root / "explorer_latency.ipynb"
        book = json.loads(json.dumps(NOTEBOOK))
        if trace is not None:
            book["cells"].insert(1, {"cell_type": "code", "metadata": {}, "execution_count": None,
                                     "outputs": [], "source": TRACE.format(path=str(trace))})
        nb.write_text(json.dumps(book))
        t0 = time.perf_counter()
        with B.jupyterlab(root) as (base, token), B.browser(viewport=(1500, 1800)) as page:
            if trace is not None:
                page.add_init_script(WS_TRACE)
            B.open_and_run(page, base, token, nb)
            page.evaluate(B.LATENCY_PROBE)
            ui = Page(page)
            page.wait_for_function(B.KERNEL_IDLE, timeout=120_000)
            page.wait_for_timeout(3000)
            print(f"JupyterLab up, notebook run: {time.perf_counter() - t0:.0f} s; {load()}", flush=True)
            window = "1w"

            def timed(win: str, name: str, act) -> None:
                r = B.measure(page, act, quiet=quiet)
                lat = r["latency"]
                if lat is not None and lat > 0.2:
                    ok = bool(r["shown"]) and r["shown"][0] - r["input"] <= (lat * 1000)
                    busy.append((lat, ok))
                if name not in firsts[win]:
                    firsts[win][name] = lat
                else:
                    results[win].setdefault(name, []).append(lat)
                shown = (f", updating shown after {(r['shown'][0] - r['input']) / 1e3:.2f} s"
                         if r["shown"] else "")
                first = "" if r["first"] is None else f" (first repaint {r['first']:.2f} s)"
                print(f"  {win} {name:<40} {'no change seen' if lat is None else f'{lat:6.2f} s'}"
                      f"{first}{shown}", flush=True)
                if trace is not None:
                    origin = page.evaluate("() => performance.timeOrigin")
                    ws = page.evaluate("() => window.__lqws.splice(0)")
                    with open(trace, "a") as f:
                        f.writelines(f"{(origin + t) / 1e3:.3f} WS {n} bytes, handler {dt:.0f} ms\n"
                                     for t, dt, n in ws if n > 2000)
                        if r["input"]:
                            f.write(f"{(origin + r['input']) / 1e3:.3f} INPUT {win} {name}\n")
                        f.writelines(f"{(origin + c) / 1e3:.3f} PAINT\n" for c in r["changes"])
                if out is not None and lat is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(out / f"{win}_{name.split()[0]}.png"))

            for rep in range(reps + 1):          # rep 0: first moves, reported apart
                for win in ("1w", "1y"):
                    if window != win:
                        timed(win, "window 1w <-> 1y (to this window)",
                              lambda w_=win: ui.choose("window", w_))
                        window = win
                        sizes[win] = ui.status_text()
                    sizes.setdefault(win, ui.status_text())
                    for name, acts in controls(ui).items():
                        for act in acts:
                            timed(win, name, act)
    return {"results": results, "firsts": firsts, "sizes": sizes, "busy": busy}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5, help="timed moves per control and window")
    ap.add_argument("--quiet", type=float, default=1.5,
                    help="seconds without a repaint (and the kernel idle) that end a measurement")
    ap.add_argument("--shots", type=Path, default=None, help="keep a page screenshot per control here")
    ap.add_argument("--trace", type=Path, default=None,
                    help="append kernel-side (refresh, stream triggers, rasterize) and page-side "
                         "(input, repaint) wall-clock times to this file, to see where the time goes")
    args = ap.parse_args()
    if not Path(B.CHROMIUM).exists():
        sys.exit(f"{B.CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    print("machine:", machine())
    print(f"browser: {chromium_version()} (headless, Playwright), JupyterLab on 127.0.0.1")
    print(load(), "(at start)", flush=True)
    t0 = time.perf_counter()
    r = run(args.reps, args.quiet, args.shots, args.trace)
    print(f"\n{load()} (at end); wall {time.perf_counter() - t0:.0f} s")
    for win in ("1w", "1y"):
        print(f"\n{win} to {END}: {r['sizes'].get(win, '')[:300]}")
        print(f"  {'control':<40} {'median':>8} {'p90':>8} {'max':>8}  n   first move")
        everything = []
        for name, xs in r["results"][win].items():
            ok = [x for x in xs if x is not None]
            missed = len(xs) - len(ok)
            everything += ok
            first = r["firsts"][win].get(name)
            if not ok:
                print(f"  {name:<40} no repaint seen in {len(xs)} moves")
                continue
            print(f"  {name:<40} {statistics.median(ok):7.2f}s {p90(ok):7.2f}s {max(ok):7.2f}s "
                  f"{len(ok):2d}   {'-' if first is None else f'{first:.2f} s'}"
                  f"{f'  ({missed} moves showed no repaint)' if missed else ''}")
        if everything:
            med = statistics.median(everything)
            verdict = "PASS" if med <= TARGETS[win] else "FAIL"
            print(f"  {'all controls':<40} {med:7.2f}s {p90(everything):7.2f}s {max(everything):7.2f}s "
                  f"{len(everything):2d}   target median <= {TARGETS[win]} s: {verdict}")
    slow = r["busy"]
    if slow:
        shown = sum(ok for _, ok in slow)
        print(f"\n'updating' indicator: shown for {shown} of the {len(slow)} moves that took > 0.2 s")
    else:
        print("\n'updating' indicator: no move took > 0.2 s")


if __name__ == "__main__":
    main()
