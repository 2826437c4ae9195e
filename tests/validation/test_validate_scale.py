"""rep.scale per venue and side, and the heatmap's absolute colour scale labelled as
expected liquidations when a calibrated scale is given."""
import numpy as np
import pytest

import liqlab
from liqlab.validation import calibrated_colour_scale
from liqlab.views.scale import ColourScale, describe


def test_calibrated_colour_scale_from_a_report(tmp_path):
    rep = liqlab.validation.validate_set("okx_2026_03", n_boot=100)
    assert set(rep.scale["venue"]) == {"okx"}
    assert list(rep.scale["side"]) == ["long", "short", "total"]
    assert rep.scale["median_abs_log10_error_walk_forward"].notna().all()
    d = liqlab.validation.load_set("okx_2026_03")
    res = liqlab.estimate(d["candles"], per_tier=False)
    cs = calibrated_colour_scale(rep, res.heatmap, "both")
    k = rep.scale.set_index("side").loc["total", "scale"]
    assert cs.calibration == pytest.approx(k) and cs.calibrated_on == "okx_2026_03"
    # the top is the 99.9th percentile of the map's non-zero values, times the scale
    v = (res.heatmap["long_usd"] + res.heatmap["short_usd"]).values.ravel()
    assert cs.usd_max == pytest.approx(np.percentile(v[v > 0], 99.9) * k, rel=1e-6)
    assert cs.units == "expected liquidations (calibrated on okx_2026_03), USD per bin"
    assert describe(cs, cs.usd_max).startswith("expected liquidations (calibrated on okx_2026_03")
    # the rendered heatmap carries the label on its colour bar and the calibrated values
    import holoviews as hv
    from liqlab.views.heatmap import heatmap
    hv.extension("bokeh", logo=False)
    img = heatmap(res.heatmap, scale=cs, dynamic=False)
    opts = hv.Store.lookup_options("bokeh", img, "plot").kwargs
    assert opts["colorbar_opts"]["title"] == cs.units
    assert img.range("usd") == (0.0, pytest.approx(cs.usd_max))
    plain = heatmap(res.heatmap, dynamic=False)
    assert np.nanmax(img.dimension_values(2)) == pytest.approx(np.nanmax(plain.dimension_values(2)) * k)
    with pytest.raises(ValueError, match="no calibrated scale"):
        calibrated_colour_scale(liqlab.validation.validate_set("hyperliquid_2025_05", n_boot=50),
                                res.heatmap, "long")


def test_calibration_needs_an_absolute_scale_and_a_set():
    with pytest.raises(ValueError, match="calibration needs"):
        ColourScale("relative", calibration=0.1, calibrated_on="x")
    with pytest.raises(ValueError, match="calibration needs"):
        ColourScale("absolute", usd_max=1.0, calibration=0.1)
    assert ColourScale().units == "USD per price bin"
