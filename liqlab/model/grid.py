"""The price grid: bins with edges anchored at fixed multiples, chosen without lookahead.

Absolute bins have edges at ``k * bin_usd``; relative bins (log spacing) at
``exp(k * bin_rel)``, for integers k. The grid covers ``[p0 / grid_range, p0 * grid_range]``
rounded outwards to edges, where ``p0`` is the first candle's open, a price known when the
estimate starts: it never depends on prices the model has not seen, so estimating a prefix of
the data uses the same grid as estimating all of it.

Positions on the grid use the continuous coordinate ``u(p)``: bin ``i`` spans ``[i, i + 1)``
and its centre (arithmetic for absolute bins, geometric for relative ones) sits at ``i + 0.5``.
A deposit at ``u`` is split between the two neighbouring centres by linear interpolation in
``u`` so that levels do not alias to the grid. The kernel works in the anchored coordinate
``coord(p) = u(p) + k0`` and subtracts ``k0`` only from integer bin numbers, so widening the
grid changes no value, not even in the last bit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PriceGrid", "make_grid", "grid_for_span", "MAX_BINS"]

#: the largest grid liqlab builds (memory: columns x bins x tiers x 2 sides)
MAX_BINS = 20_000


@dataclass(frozen=True)
class PriceGrid:
    """A price grid. ``relative``: log spacing with step ``step`` (a log-price width);
    otherwise ``step`` is a USD width. Bin ``i`` spans edges ``k0 + i`` .. ``k0 + i + 1``."""
    relative: bool
    step: float
    k0: int
    n: int

    @property
    def edges(self) -> np.ndarray:
        k = np.arange(self.k0, self.k0 + self.n + 1, dtype=float)
        return np.exp(k * self.step) if self.relative else k * self.step

    @property
    def centres(self) -> np.ndarray:
        k = np.arange(self.k0, self.k0 + self.n, dtype=float) + 0.5
        return np.exp(k * self.step) if self.relative else k * self.step

    @property
    def lo(self) -> float:
        return float(self.edges[0])

    @property
    def hi(self) -> float:
        return float(self.edges[-1])

    def coord(self, price):
        """Anchored coordinate of ``price``: edge k sits at k (independent of the extent)."""
        p = np.asarray(price, dtype=float)
        return np.log(p) / self.step if self.relative else p / self.step

    def u(self, price):
        """Continuous grid coordinate of ``price`` (bin i spans [i, i+1))."""
        return self.coord(price) - self.k0

    def describe(self) -> str:
        w = f"{self.step:.4%} (log)" if self.relative else f"{self.step:g} USD"
        return f"{self.n} bins of {w} from {self.lo:,.2f} to {self.hi:,.2f} USD"

    def to_dict(self) -> dict:
        return dict(bin_mode="relative" if self.relative else "absolute", bin_step=self.step,
                    k0=self.k0, n_bins=self.n, price_lo=self.lo, price_hi=self.hi)


def make_grid(p0: float, *, relative: bool, step: float, grid_range: float,
              max_bins: int = MAX_BINS) -> PriceGrid:
    """The grid around ``p0`` (the first open): ``[p0 / grid_range, p0 * grid_range]``,
    rounded outwards to anchored edges. Raises ValueError when it would need more than
    ``max_bins`` bins (the bin is too fine for the range)."""
    if not (np.isfinite(p0) and p0 > 0):
        raise ValueError(f"the anchor price must be positive, got {p0}")
    return grid_for_span(p0 / grid_range, p0 * grid_range, relative=relative, step=step,
                         max_bins=max_bins)


def grid_for_span(lo: float, hi: float, *, relative: bool, step: float,
                  max_bins: int = MAX_BINS) -> PriceGrid:
    """The grid covering ``[lo, hi]`` USD, rounded outwards to anchored edges (so two grids of
    one bin width agree bin for bin where they overlap)."""
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise ValueError(f"the price grid needs 0 < lo < hi, got {lo}..{hi}")
    if relative:
        k_lo, k_hi = math.floor(math.log(lo) / step), math.ceil(math.log(hi) / step)
    else:
        k_lo, k_hi = math.floor(lo / step), math.ceil(hi / step)
        k_lo = max(k_lo, 1)  # prices are positive: the first edge is above 0
    n = k_hi - k_lo
    if n > max_bins:
        raise ValueError(f"the price grid would need {n:,} bins (more than {max_bins:,}) to span "
                         f"{lo:,.2f}..{hi:,.2f} USD at this bin width; use a coarser bin "
                         "(bin_usd / bin_rel) or a shorter stretch of data")
    if n < 2:
        raise ValueError(f"the price grid would have {n} bin(s) for {lo:,.2f}..{hi:,.2f} USD; "
                         "use a finer bin (bin_usd / bin_rel)")
    return PriceGrid(relative=relative, step=float(step), k0=int(k_lo), n=int(n))
