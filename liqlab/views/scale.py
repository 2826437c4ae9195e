"""Colour scales of the heatmap, as pure functions (no plotting).

Two scales, both mapping USD linearly onto a palette with the gamma baked in (so the colour bar
reads in plain USD):

- **relative**: the top of the range is a percentile of the non-zero values in view (clip),
  so the strongest levels of any window are bright; what "bright" means changes with the view.
- **absolute**: the top is a fixed USD amount, the same for every view, so two windows, two
  exchanges or two parameter sets can be compared colour for colour.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ColourScale", "colour_range", "describe", "usd", "short_number", "BANDS"]

#: default bands of the level summary (:mod:`liqlab.views.summary`), percent either side of the
#: last price; declared here, in a module that imports only numpy, so that `liqlab render --help`
#: shows them without loading holoviews
BANDS: tuple[float, ...] = (2.0, 5.0)


@dataclass(frozen=True)
class ColourScale:
    """How USD values become colours.

    mode: 'relative' (top = the ``clip`` percentile of the non-zero values in view) or
    'absolute' (top = ``usd_max``, fixed). gamma: the palette's gamma (below 1 lifts faint levels).
    calibration (absolute only): realised / predicted notional measured on the realised set
    ``calibrated_on`` (``rep.scale`` of :mod:`liqlab.validation`); the map's USD are multiplied
    by it and the colour bar reads "expected liquidations (calibrated on SET)"; ``usd_max`` is
    then in those units.
    """
    mode: str = "relative"
    clip: float = 99.5
    gamma: float = 1.5
    usd_max: float | None = None
    calibration: float | None = None
    calibrated_on: str = ""

    def __post_init__(self) -> None:
        if self.mode not in ("relative", "absolute"):
            raise ValueError(f"scale mode must be 'relative' or 'absolute', got {self.mode!r}")
        if not 50.0 <= self.clip <= 100.0:
            raise ValueError(f"clip is a percentile between 50 and 100, got {self.clip}")
        if not 0.05 <= self.gamma <= 5.0:
            raise ValueError(f"gamma must be between 0.05 and 5, got {self.gamma}")
        if self.mode == "absolute" and (self.usd_max is None or not self.usd_max > 0):
            raise ValueError("an absolute scale needs usd_max > 0 (the USD value shown brightest, "
                             f"the same in every view); got {self.usd_max}")
        if self.calibration is not None:
            if self.mode != "absolute" or not self.calibration > 0 or not self.calibrated_on:
                raise ValueError("a calibration needs an absolute scale, a factor > 0 and the "
                                 "realised set it was measured on (calibrated_on); got "
                                 f"mode={self.mode!r}, calibration={self.calibration}, "
                                 f"calibrated_on={self.calibrated_on!r}")

    @property
    def units(self) -> str:
        """What the colours measure: 'USD per price bin', or the calibrated wording."""
        if self.calibration is not None:
            return f"expected liquidations (calibrated on {self.calibrated_on}), USD per bin"
        return "USD per price bin"


def colour_range(values: np.ndarray, scale: ColourScale) -> tuple[float, float]:
    """The USD range (low, high) that the palette spans for ``values`` (NaN ignored).

    relative: high is the ``clip`` percentile of the strictly positive values (1.0 when there are
    none, so an empty view stays black); absolute: high is ``usd_max``. Low is always 0.
    """
    if scale.mode == "absolute":
        return 0.0, float(scale.usd_max)
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return 0.0, 1.0
    hi = float(np.percentile(v, scale.clip))
    return 0.0, hi if hi > 0 else float(v.max())


def short_number(v: float) -> str:
    """A number in short form, three significant digits: 950, 12.3k, 4.56M, 1.2B."""
    a = abs(v)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.3g}{unit}"
    return f"{v:.0f}"


def usd(v: float) -> str:
    """A USD amount in short form: $950, $12.3k, $4.56M, $1.2B (the one USD formatter of the
    views: colour bars, titles, the PNG's axes and tables)."""
    return f"${short_number(v)}"


def describe(scale: ColourScale, high: float) -> str:
    """The scale in words, for the chart: e.g. 'relative scale: clip 99.5th pct in view =
    $1.2M, gamma 1.5'."""
    if scale.calibration is not None:
        return (f"expected liquidations (calibrated on {scale.calibrated_on}, x{scale.calibration:.3g}): "
                f"$0..{usd(high)} per bin (fixed), gamma {scale.gamma:g}")
    if scale.mode == "absolute":
        return f"absolute scale: $0..{usd(high)} per bin (fixed), gamma {scale.gamma:g}"
    return f"relative scale: clip {scale.clip:g}th pct in view = {usd(high)}, gamma {scale.gamma:g}"
