"""The numba kernel of the estimator: one pass over the candles, in time order.

Per candle ``i`` (all prices and amounts prepared by :mod:`liqlab.model.estimator`):

1. **sweep**: long bins whose centre is at or above the sweep low, short bins whose centre is
   at or below the sweep high are liquidated (zeroed from a moving frontier: each side keeps
   the range ``[lo, hi)`` outside which its bins are empty, so a candle costs only the bins
   it actually clears);
2. **close**: a fraction ``close_frac[i]`` of each side closes (proportional, oldest first,
   or nearest to price first);
3. **open**: ``inflow[i] * 2 * share`` USD per side, split over leverage tiers and entry
   points, each deposit at its exact liquidation price spread between the two neighbouring
   bin centres (linear in the grid coordinate). A deposit landing where this candle's sweep
   already reached (a long level at or above the low, a short at or below the high) is
   counted as opened *and* swept in this candle, so after every candle no long level sits at
   or above its low and no short level at or below its high;
4. **decay**: every level shrinks by ``decay[i]``;
5. **snapshot** into an output column when ``snap[i] >= 0`` (memory bounded by the picture).

Proportional closing and decay cost O(1): the grid of each side is stored in scaled units
with a running scale factor (true USD = stored * scale) and a running sum, so shrinking a
side multiplies the scale; deposits divide by it; the grid is renormalised only when the
scale leaves [1e-100, 1e100].
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["run_kernel", "POLICIES", "TOTALS"]

POLICIES = {"proportional": 0, "oldest": 1, "nearest": 2}
#: the columns of the totals array, per side
TOTALS = ("opened", "swept", "closed", "decayed", "outstanding")
_TINY, _HUGE = 1e-100, 1e100


@nb.njit(cache=True, inline="always")
def _push(q_b, q_t, q_k, q_a, tail, s, b, t, i, v):
    e = tail[s]
    q_b[s, e] = b
    q_t[s, e] = t
    q_k[s, e] = i
    q_a[s, e] = v
    tail[s] = e + 1


@nb.njit(cache=True)
def _renorm(g, s, scale, gsum, act_lo, act_hi, q_a, head, tail):
    sc = scale[s]
    tot = 0.0
    for t in range(g.shape[1]):
        for b in range(act_lo[s, t], act_hi[s, t]):
            g[s, t, b] *= sc
            tot += g[s, t, b]
    for e in range(head[s], tail[s]):
        q_a[s, e] *= sc
    gsum[s] = tot
    scale[s] = 1.0


@nb.njit(cache=True)
def run_kernel(ep, ue, ent_w, ul, uh, inflow, lshare, close_frac, decay, snap, fac, tier_w,
               relative, step, k0, nbins, policy, heat, heat_t):
    """Run the model over prepared arrays (see :meth:`liqlab.model.estimator.Prepared.kernel_args`):
    ``ep[n, P]`` entry prices, ``ue[n, P]`` their anchored grid coordinates
    (:meth:`liqlab.model.grid.PriceGrid.coord`) and ``ent_w[P]`` their weights, ``ul``/``uh`` the
    anchored coordinates of the sweep low/high. Fills ``heat[2, ncols, nbins]`` (float64) and
    ``heat_t[2, T, ncols, nbins]`` (float32; pass a 0-column array to skip) completely.
    Returns (swept[n, 2], totals[2, 5], clipped)."""
    n = ep.shape[0]
    T = fac.shape[1]
    P = ep.shape[1]
    want_tiers = heat_t.shape[2] > 0
    g = np.zeros((2, T, nbins))
    scale = np.ones(2)
    gsum = np.zeros(2)
    act_lo = np.full((2, T), nbins, np.int64)
    act_hi = np.zeros((2, T), np.int64)
    swept = np.zeros((n, 2))
    totals = np.zeros((2, 5))
    clipped = 0
    # oldest-first bookkeeping (allocated only for that policy)
    cap = n * T * P * 2 if policy == 1 else 0
    q_b = np.zeros((2, cap), np.int32)
    q_t = np.zeros((2, cap), np.int32)
    q_k = np.zeros((2, cap), np.int32)
    q_a = np.zeros((2, cap))
    head = np.zeros(2, np.int64)
    tail = np.zeros(2, np.int64)
    last_sweep = np.full((2, T, nbins if policy == 1 else 0), -1, np.int32)
    # u-offset of each tier's liquidation price from its entry (relative grids)
    lfac = np.zeros((2, T))
    for s in range(2):
        for t in range(T):
            lfac[s, t] = math.log(fac[s, t]) / step if relative else 0.0

    for i in range(n):
        # ---- 1. sweep -------------------------------------------------------------------
        il = math.ceil(ul[i] - 0.5) - k0      # first long bin swept (centre at or above the low)
        ih = math.floor(uh[i] - 0.5) - k0     # last short bin swept (centre at or below the high)
        il = min(max(il, 0), nbins)
        ih = min(max(ih, -1), nbins - 1)
        for t in range(T):
            # longs: bins >= il
            lo = act_lo[0, t]
            hi = act_hi[0, t]
            if hi > il and lo < hi:
                a = 0.0
                start = max(il, lo)
                for b in range(start, hi):
                    a += g[0, t, b]
                    g[0, t, b] = 0.0
                    if policy == 1:
                        last_sweep[0, t, b] = i
                gsum[0] -= a
                swept[i, 0] += a * scale[0]
                if start <= lo:
                    act_lo[0, t] = nbins
                    act_hi[0, t] = 0
                else:
                    act_hi[0, t] = start
            # shorts: bins <= ih
            lo = act_lo[1, t]
            hi = act_hi[1, t]
            if lo <= ih and lo < hi:
                a = 0.0
                stop = min(ih + 1, hi)
                for b in range(lo, stop):
                    a += g[1, t, b]
                    g[1, t, b] = 0.0
                    if policy == 1:
                        last_sweep[1, t, b] = i
                gsum[1] -= a
                swept[i, 1] += a * scale[1]
                if stop >= hi:
                    act_lo[1, t] = nbins
                    act_hi[1, t] = 0
                else:
                    act_lo[1, t] = stop
        # ---- 2. close ---------------------------------------------------------------------
        f = close_frac[i]
        if f > 0.0:
            for s in range(2):
                if policy == 0:
                    totals[s, 2] += f * gsum[s] * scale[s]
                    scale[s] *= 1.0 - f
                elif policy == 2:
                    rem = f * gsum[s]
                    removed = 0.0
                    if s == 0:
                        top = 0
                        bot = nbins
                        for t in range(T):
                            if act_lo[0, t] < act_hi[0, t]:
                                top = max(top, act_hi[0, t])
                                bot = min(bot, act_lo[0, t])
                        b = top - 1
                        while b >= bot and rem > 0.0:
                            m = 0.0
                            for t in range(T):
                                m += g[0, t, b]
                            if m <= rem:
                                for t in range(T):
                                    g[0, t, b] = 0.0
                                rem -= m
                                removed += m
                                b -= 1
                            else:
                                r = rem / m
                                for t in range(T):
                                    g[0, t, b] *= 1.0 - r
                                removed += rem
                                rem = 0.0
                        for t in range(T):   # bins above b+1 are now empty
                            if act_hi[0, t] > b + 1:
                                act_hi[0, t] = max(b + 1, act_lo[0, t])
                    else:
                        top = 0
                        bot = nbins
                        for t in range(T):
                            if act_lo[1, t] < act_hi[1, t]:
                                top = max(top, act_hi[1, t])
                                bot = min(bot, act_lo[1, t])
                        b = bot
                        while b < top and rem > 0.0:
                            m = 0.0
                            for t in range(T):
                                m += g[1, t, b]
                            if m <= rem:
                                for t in range(T):
                                    g[1, t, b] = 0.0
                                rem -= m
                                removed += m
                                b += 1
                            else:
                                r = rem / m
                                for t in range(T):
                                    g[1, t, b] *= 1.0 - r
                                removed += rem
                                rem = 0.0
                        for t in range(T):   # bins below b are now empty
                            if act_lo[1, t] < b:
                                act_lo[1, t] = min(b, act_hi[1, t])
                    gsum[s] -= removed
                    totals[s, 2] += removed * scale[s]
                else:  # oldest first
                    rem = f * gsum[s]
                    removed = 0.0
                    while rem > 0.0 and head[s] < tail[s]:
                        e = head[s]
                        b = q_b[s, e]
                        t = q_t[s, e]
                        if last_sweep[s, t, b] > q_k[s, e] or q_a[s, e] <= 0.0 or g[s, t, b] <= 0.0:
                            head[s] += 1
                            continue
                        x = min(q_a[s, e], g[s, t, b], rem)
                        g[s, t, b] -= x
                        q_a[s, e] -= x
                        rem -= x
                        removed += x
                        if q_a[s, e] <= 0.0 or g[s, t, b] <= 0.0:
                            head[s] += 1
                    gsum[s] -= removed
                    totals[s, 2] += removed * scale[s]
        # ---- 3. open ----------------------------------------------------------------------
        amt = inflow[i]
        if amt > 0.0:
            for s in range(2):
                side_amt = amt * 2.0 * (lshare[i] if s == 0 else 1.0 - lshare[i])
                if side_amt <= 0.0:
                    continue
                inv = 1.0 / scale[s]
                opened = 0.0
                now = 0.0
                dep = 0.0
                for p in range(P):
                    mp = side_amt * ent_w[p]
                    for t in range(T):
                        m = mp * tier_w[t]
                        if m <= 0.0:
                            continue
                        opened += m
                        if relative:
                            x = ue[i, p] + lfac[s, t] - 0.5
                        else:
                            x = ep[i, p] * fac[s, t] / step - 0.5
                        jf = math.floor(x)
                        w = x - jf
                        j = int(jf) - k0
                        if j < 0:
                            j = 0
                            w = 0.0
                            clipped += 1
                        elif j >= nbins - 1:
                            j = nbins - 2
                            w = 1.0
                            clipped += 1
                        m0 = m * (1.0 - w)
                        m1 = m * w
                        if s == 0:
                            hit0 = j >= il
                            hit1 = j + 1 >= il
                        else:
                            hit0 = j <= ih
                            hit1 = j + 1 <= ih
                        if hit0:
                            now += m0            # opened and swept in this candle
                        elif m0 > 0.0:
                            v = m0 * inv
                            g[s, t, j] += v
                            dep += v
                            if j < act_lo[s, t]:
                                act_lo[s, t] = j
                            if j >= act_hi[s, t]:
                                act_hi[s, t] = j + 1
                            if policy == 1:
                                _push(q_b, q_t, q_k, q_a, tail, s, j, t, i, v)
                        if hit1:
                            now += m1
                        elif m1 > 0.0:
                            v = m1 * inv
                            g[s, t, j + 1] += v
                            dep += v
                            if j + 1 < act_lo[s, t]:
                                act_lo[s, t] = j + 1
                            if j + 1 >= act_hi[s, t]:
                                act_hi[s, t] = j + 2
                            if policy == 1:
                                _push(q_b, q_t, q_k, q_a, tail, s, j + 1, t, i, v)
                totals[s, 0] += opened
                swept[i, s] += now
                gsum[s] += dep
        # ---- 4. decay ---------------------------------------------------------------------
        d = decay[i]
        if d < 1.0:
            for s in range(2):
                totals[s, 3] += (1.0 - d) * gsum[s] * scale[s]
                scale[s] *= d
        for s in range(2):
            if scale[s] < _TINY or scale[s] > _HUGE:
                _renorm(g, s, scale, gsum, act_lo, act_hi, q_a, head, tail)
        # ---- 5. snapshot ------------------------------------------------------------------
        col = snap[i]
        if col >= 0:
            for s in range(2):
                sc = scale[s]
                lo = nbins
                hi = 0
                for t in range(T):
                    if act_lo[s, t] < act_hi[s, t]:
                        lo = min(lo, act_lo[s, t])
                        hi = max(hi, act_hi[s, t])
                if lo >= hi:
                    lo = 0
                    hi = 0
                heat[s, col, :lo] = 0.0
                heat[s, col, hi:] = 0.0
                for b in range(lo, hi):
                    acc = 0.0
                    for t in range(T):
                        acc += g[s, t, b]
                    heat[s, col, b] = acc * sc
                if want_tiers:
                    for t in range(T):
                        heat_t[s, t, col, :lo] = 0.0
                        heat_t[s, t, col, hi:] = 0.0
                        for b in range(lo, hi):
                            heat_t[s, t, col, b] = g[s, t, b] * sc
    for s in range(2):
        totals[s, 1] = 0.0
        for i in range(n):
            totals[s, 1] += swept[i, s]
        out = 0.0
        for t in range(T):
            for b in range(nbins):
                out += g[s, t, b]
        totals[s, 4] = out * scale[s]
    return swept, totals, clipped
