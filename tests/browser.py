"""Helpers for the browser tests: Debian's Chromium driven by Playwright, a JupyterLab server
on 127.0.0.1 with a token, and pixel checks on screenshots."""
from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"


def require_chromium() -> str:
    """The Chromium executable; skip (or, with CI set, fail) when it is missing."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    msg = (f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); "
           ".ci/run does this in CI")
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@contextlib.contextmanager
def browser(viewport=(1400, 1600)):
    """A Playwright page in headless Chromium (never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    exe = require_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path, timeout: float = 90.0):
    """JupyterLab serving ``root`` on 127.0.0.1 at a free port with a random token; yields
    ``(base_url, token)``. Its config, runtime and settings live under ``root`` so nothing of the
    user's is read or written; news and update checks are off (no network)."""
    port, token = free_port(), secrets.token_hex(16)
    home = root / ".jupyter-home"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_PLATFORM_DIRS="1")
    # the kernel must be this Python: JUPYTER_DATA_DIR hides user kernels; the native one is ours
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--ServerApp.port_retries=0", "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    # no "get notified about Jupyter news?" toast over the charts
    news = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    log = open(root / "jupyterlab.log", "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError("JupyterLab exited:\n" + (root / "jupyterlab.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start in time:\n"
                                   + (root / "jupyterlab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def pixels(png: bytes) -> np.ndarray:
    """A screenshot as an RGB int array."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def ramp_mask(img: np.ndarray) -> np.ndarray:
    """Pixels on liqlab's black-to-yellow ramp beyond black: blue near 0, red rising first and
    green following (amber to yellow). Candle colours (teal, red with blue 0x50) are excluded."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return (b < 30) & (r > 40) & (g <= r + 10) & (g >= 0)


def check_heatmap(img: np.ndarray, what: str) -> dict:
    """Assert the picture holds a rendered heatmap: many ramp pixels over many intensities, a
    black background, and some bright (yellow) levels. Returns the counts."""
    ramp = ramp_mask(img)
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    black = (r < 12) & (g < 12) & (b < 12)
    yellow = (r > 220) & (g > 160) & (b < 60)
    levels = len(np.unique(r[ramp] // 16))
    counts = {"ramp": int(ramp.sum()), "black": int(black.sum()), "yellow": int(yellow.sum()),
              "red_levels": levels}
    assert counts["ramp"] > 10_000, f"{what}: too few heatmap pixels {counts}"
    assert counts["black"] > 5_000, f"{what}: no black background {counts}"
    assert counts["yellow"] > 20, f"{what}: no bright (yellow) levels {counts}"
    assert levels >= 8, f"{what}: not a colour ramp (few intensities) {counts}"
    return counts


def changed_share(a: np.ndarray, b: np.ndarray, tol: int = 24) -> float:
    """Share of pixels whose colour moved by more than ``tol`` in some channel."""
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=-1) > tol).mean())


def save(name: str, png: bytes) -> Path:
    """Keep a screenshot under artifacts/browser/ (git-ignored) for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(png)
    return path


def copy_notebook(src: Path, dst_dir: Path) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(src, dst_dir / src.name))


KERNEL_IDLE = """() => { const bar = document.querySelector('#jp-main-statusbar');
    return !!bar && /\\(ipykernel\\) \\| Idle/.test(bar.innerText); }"""


def run_all(page, what: str = "the notebook", timeout: float = 240.0) -> None:
    """Run All Cells once the kernel is connected, and wait for the first ipywidgets slider.

    The toolbar's execution indicator says "idle" before any kernel exists; Run All then makes
    JupyterLab ask for a kernel. So wait for the status bar's "Python 3 (ipykernel) | Idle"; if
    the dialog shows anyway, take the preselected kernel (the notebook's python3) and run again."""
    deadline = time.monotonic() + timeout
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    pick = page.locator(".jp-Dialog", has_text="Select Kernel").locator("button", has_text="Select")
    widgets = page.locator(".jp-OutputArea-output .widget-slider").first
    while True:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        while not widgets.is_visible():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} showed no widgets {timeout:.0f} s after Run All")
            if pick.count():
                break
            page.wait_for_timeout(500)
        else:
            return
        pick.first.click()
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)


def open_and_run(page, base: str, token: str, nb: Path, timeout: float = 240.0) -> None:
    """Open notebook ``nb`` in JupyterLab, run it (:func:`run_all`) and wait for a bokeh canvas
    in the outputs."""
    page.goto(f"{base}/lab/tree/{nb.name}?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    run_all(page, nb.name, timeout)
    page.locator(".jp-OutputArea-output canvas").first.wait_for(timeout=int(timeout * 1000))
    for dismiss in page.locator(".jp-Notification-Toast button", has_text="No").all():
        dismiss.click()  # the news prompt covers the chart's corner


#: In-page probe of what the user sees: every animation frame after a canvas was drawn on, a
#: fingerprint of all bokeh canvases in the notebook outputs (open shadow roots included); a
#: change is a repaint that altered pixels. ``arm()`` starts a measurement: the last input event
#: (pointer up, click, change, key up) after it is the start; ``report()`` gives the input time,
#: the times the pixels changed, and when the explorer's "updating" indicator showed and hid.
LATENCY_PROBE = r"""() => {
  if (window.__lq) return true;
  const P = CanvasRenderingContext2D.prototype;
  let dirty = true;
  for (const m of ['clearRect', 'fillRect', 'drawImage', 'putImageData', 'fill', 'stroke']) {
    const orig = P[m];
    P[m] = function (...a) { dirty = true; return orig.apply(this, a); };
  }
  const canvases = () => {
    const found = [];
    const walk = (n) => {
      if (n.tagName === 'CANVAS' && n.width * n.height >= 20000) found.push(n);
      if (n.shadowRoot) walk(n.shadowRoot);
      for (const c of n.children || []) walk(c);
    };
    document.querySelectorAll('.jp-OutputArea-output').forEach(walk);
    return found;
  };
  const fingerprint = () => {
    const parts = [];
    for (const c of canvases()) {
      const ctx = c.getContext('2d');
      if (!ctx) continue;
      const d = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
      let a = 0, b = 0;
      for (let i = 0; i < d.length; i += 3) { a = (a + d[i]) >>> 0; b = (Math.imul(b, 31) + d[i]) >>> 0; }
      parts.push(`${c.width}x${c.height}:${a}:${b}`);
    }
    return parts.join('|');
  };
  const busyShown = () => {
    const el = document.querySelector('.liqlab-updating');
    if (!el || !el.offsetParent) return false;
    return parseFloat(getComputedStyle(el).opacity) > 0.5;
  };
  const s = {armed: false, input: null, changes: [], shown: [], hidden: [], last: null, busy: false};
  const onInput = (e) => { if (s.armed) s.input = performance.now(); };
  for (const t of ['pointerup', 'mouseup', 'click', 'change', 'keyup'])
    window.addEventListener(t, onInput, true);
  const frame = () => {
    const now = performance.now();
    if (dirty) {
      dirty = false;
      const fp = fingerprint();
      if (fp !== s.last) { if (s.armed && s.last !== null) s.changes.push(now); s.last = fp; }
    }
    const b = busyShown();
    if (b !== s.busy) { s.busy = b; if (s.armed) (b ? s.shown : s.hidden).push(now); }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.__lq = {
    arm() { s.armed = true; s.input = null; s.changes = []; s.shown = []; s.hidden = [];
            dirty = true; return performance.now(); },
    report() { return {now: performance.now(), input: s.input, changes: s.changes.slice(),
                       shown: s.shown.slice(), hidden: s.hidden.slice(), busy: s.busy}; },
  };
  return true;
}"""


def measure(page, act, quiet: float = 1.5, timeout: float = 90.0) -> dict:
    """Do ``act()`` and time it as the user sees it: from its last input event to the last
    repaint that changed the chart's pixels, once the kernel is idle and nothing changed for
    ``quiet`` seconds. Returns the probe's report with ``latency`` (s, None when the pixels never
    changed within ``timeout``) and ``first`` (s to the first changed repaint)."""
    page.evaluate(LATENCY_PROBE)
    page.evaluate("() => __lq.arm()")
    act()
    deadline = time.monotonic() + timeout
    while True:
        page.wait_for_timeout(200)
        r = page.evaluate("() => __lq.report()")
        if r["input"] is not None and r["changes"] and r["now"] - r["changes"][-1] > quiet * 1000 \
                and not r["busy"] and page.evaluate(KERNEL_IDLE):
            break
        if time.monotonic() > deadline:
            break
    t0 = r["input"]
    ok = t0 is not None and bool(r["changes"])
    r["latency"] = (r["changes"][-1] - t0) / 1000 if ok else None
    r["first"] = (r["changes"][0] - t0) / 1000 if ok else None
    return r
