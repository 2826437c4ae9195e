"""The `liqlab backtest` report as users see it: opened in Debian's headless Chromium, offline,
its figures decode and draw, its tables are there. Screenshot under artifacts/browser/."""
import pytest

from tests import browser as B
from liqlab.cli import main

pytestmark = pytest.mark.browser


def test_backtest_report_opens_offline(tmp_path, capsys):
    B.require_chromium()
    out = tmp_path / "bt"
    assert main(["backtest", "--start", "2025-10-01", "--end", "2025-10-21", "--horizon", "12h",
                 "--n-boot", "100", "--n-shuffles", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    with B.browser(viewport=(1200, 900)) as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((out / "report.html").as_uri())
        page.wait_for_load_state("load")
        sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
        assert len(sizes) == 2 and all(w > 300 and h > 200 for w, h in sizes), sizes
        assert page.locator("h2", has_text="summary").count() == 1
        assert page.locator("table.t").count() >= 10
        img = page.locator("img").first
        png = img.screenshot()
        B.save("backtest_report_lift.png", png)
        px = B.pixels(png)
        # a drawn chart: mostly white background, with coloured markers and dark axes
        white = (px.min(axis=-1) > 240).mean()
        coloured = (px.max(axis=-1) - px.min(axis=-1) > 80).mean()
        assert 0.5 < white < 0.99 and coloured > 0.001, (white, coloured)
        remote = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
        assert remote == [], f"the report fetched from the network: {remote[:5]}"
