"""The numba kernel of the estimator: one pass over the candles, in time order.

The state is, per side (long, short) and per population tier (a leverage and a position size),
the outstanding notional by liquidation price on the grid. Per candle ``i`` (all prices and
amounts prepared by :mod:`liqlab.model.estimator`), five steps, each a small numba function
inlined into the loop:

1. :func:`_sweep`: long bins whose centre is at or above the sweep low, short bins whose
   centre is at or below the sweep high are liquidated (zeroed from a moving frontier: each
   side and tier keeps the range ``[lo, hi)`` outside which its bins are empty, so a candle
   costs only the bins it actually clears);
2. :func:`_near`: the ``zone`` bins next to the sweep frontier (the nearest surviving levels,
   within ``exit_distance`` of the candle's extreme), bin ``k`` taken to be
   ``(k - 1/2) * exit_distance / zone`` away: first ``0.5 * exp(-distance / level_noise)`` of
   it is liquidated (effective liquidation prices spread around the nominal one: fees,
   funding, averaging down, shared cross margin), then the rest keeps
   ``exp(-exit_rate * hours * (zone - k + 1) / zone)`` (exits: stops, take-profits, top-ups).
   Under oldest-first closing these shrink a bin, not its deposit records: a record claims at
   most what its bin still holds;
3. :func:`_close_proportional` / :func:`_close_nearest` / :func:`_close_oldest`: a fraction
   ``close_frac[i]`` of each side closes;
4. :func:`_open`: ``inflow[i] * 2 * share`` USD per side, split over entry points (weights per
   candle) and tiers, each at its exact liquidation price: an entry slice of the candle's
   prices fills the interval of its levels uniformly, a point entry sits at one level, both
   spread over bin centres by linear interpolation in the grid coordinate (closed forms for
   a slice between two centres and over one centre; a tier whose whole candle falls between
   two centres takes one point deposit, which is exact because the interpolation is linear
   there). What lands where this candle's sweep already reached is counted as opened *and*
   swept in this candle;
5. :func:`_decay`: tier ``t`` shrinks by ``0.5 ** (days / half_life[t])`` (its own lifetime);
   then :func:`_snapshot` into an output column when ``snap[i] >= 0``.

Conservation, per side: opened = outstanding + swept + exited + closed + decayed
(:data:`TOTALS`).

Speed: the compiled loop allocates nothing (:func:`run_kernel` allocates the state,
:class:`KernelState`) and runs without numba's reference counting, which otherwise wraps the
arrays of the inlined steps in atomic increments and made the deposit loop 4x slower; the
oldest-first queue is compiled only into the loop of that policy. Proportional closing and
decay cost O(1): the grid of each side and tier is stored in scaled
units with a running scale factor (true USD = stored * scale) and a running sum, so shrinking
a tier multiplies its scale; deposits divide by it; a tier is renormalised only when its
scale leaves [1e-100, 1e100].
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

__all__ = ["run_kernel", "level_coords", "KernelCandles", "KernelModel", "KernelState", "POLICIES", "TOTALS", "LONG", "SHORT"]

#: closing policies, by name (the kernel takes the code)
POLICIES = {"proportional": 0, "oldest": 1, "nearest": 2}
PROPORTIONAL, OLDEST, NEAREST = 0, 1, 2
#: sides: the first axis of every per-side array
LONG, SHORT = 0, 1
#: the columns of the totals array, per side
TOTALS = ("opened", "swept", "exited", "closed", "decayed", "outstanding")
OPENED, SWEPT, EXITED, CLOSED, DECAYED, OUTSTANDING = range(6)
#: a tier is renormalised when its scale factor leaves [_TINY, _HUGE]
_TINY, _HUGE = 1e-100, 1e100


class KernelCandles(NamedTuple):
    """Per-candle inputs (length ``n``; ``P`` entry points)."""
    ulo: np.ndarray         # [n, P] anchored grid coordinates of the lower edge of each entry slice
    uhi: np.ndarray         # [n, P] ... and of its upper edge (equal for a point entry)
    ent_w: np.ndarray       # [n, P] entry weights (each row sums to 1)
    ul: np.ndarray          # [n] anchored coordinate of the sweep low
    uh: np.ndarray          # [n] anchored coordinate of the sweep high
    inflow: np.ndarray      # [n] new notional per side (USD) before the side split
    lshare: np.ndarray      # [n] long share of the new exposure
    close_frac: np.ndarray  # [n] fraction of each side that closes
    days: np.ndarray        # [n] days since the previous candle (decay)
    hours: np.ndarray       # [n] hours the candle lasts (exits)
    zone: np.ndarray        # [n] int: bins within the exit distance
    snap: np.ndarray        # [n] int: output column, or -1


class KernelModel(NamedTuple):
    """The population and the grid (``T`` tiers, ``G`` display groups)."""
    fac: np.ndarray         # [2, T] liquidation price / entry price
    lfac: np.ndarray        # [2, T] log(fac) / step (relative grids)
    tier_w: np.ndarray      # [T] share of new notional (sums to 1)
    half_life: np.ndarray   # [T] days; 0 = no decay
    group: np.ndarray       # [T] int: display group of each tier
    exit_rate: float        # per hour, at the nearest level
    exit_distance: float    # share of price: the reach of exits and of the level noise
    level_noise: float      # share of price: Laplace scale of effective liquidation prices
    relative: bool
    k0: int
    nbins: int
    policy: int


# ---------------------------------------------------------------------------------------------
# steps (inlined into the candle loop)
@nb.njit(cache=True, inline="always")
def _clear(g, last_sweep, mark, i, s, t, lo, hi):
    """Empty bins ``lo..hi-1`` of side ``s``, tier ``t`` (with ``mark``, record candle ``i`` as
    their last sweep); returns what they held, in stored units."""
    a = 0.0
    for b in range(lo, hi):
        a += g[s, t, b]
        g[s, t, b] = 0.0
        if mark:
            last_sweep[s, t, b] = i
    return a


@nb.njit(cache=True, inline="always")
def _sweep(g, scale, gsum, act_lo, act_hi, last_sweep, track, i, il, ih, nbins):
    """Zero long bins >= il and short bins <= ih; returns the USD swept per side."""
    T = g.shape[1]
    out_l = 0.0
    out_s = 0.0
    for t in range(T):
        lo = act_lo[LONG, t]
        hi = act_hi[LONG, t]
        if hi > il and lo < hi:
            start = max(il, lo)
            a = _clear(g, last_sweep, track, i, LONG, t, start, hi)
            gsum[LONG, t] -= a
            out_l += a * scale[LONG, t]
            if start <= lo:
                act_lo[LONG, t] = nbins
                act_hi[LONG, t] = 0
            else:
                act_hi[LONG, t] = start
        lo = act_lo[SHORT, t]
        hi = act_hi[SHORT, t]
        if lo <= ih and lo < hi:
            stop = min(ih + 1, hi)
            a = _clear(g, last_sweep, track, i, SHORT, t, lo, stop)
            gsum[SHORT, t] -= a
            out_s += a * scale[SHORT, t]
            if stop >= hi:
                act_lo[SHORT, t] = nbins
                act_hi[SHORT, t] = 0
            else:
                act_lo[SHORT, t] = stop
    return out_l, out_s


@nb.njit(cache=True, inline="always")
def _near_factors(keep, liq, rate_h, zone, reach, noise):
    """For k = 1..zone bins from the frontier (the k-th taken to be (k - 1/2) * reach / zone
    away from the candle's extreme): ``liq[k-1] = 0.5 * exp(-distance / noise)``, the share
    liquidated (effective liquidation prices spread around the nominal one, Laplace with scale
    ``noise``), and ``keep[k-1] = exp(-rate_h * (zone - k + 1) / zone)``, the share of the rest
    that stays (exits)."""
    for k in range(1, zone + 1):
        keep[k - 1] = math.exp(-rate_h * (zone - k + 1) / zone)
        liq[k - 1] = 0.5 * math.exp(-(k - 0.5) * reach / zone / noise) if noise > 0.0 else 0.0


@nb.njit(cache=True, inline="always")
def _near_tier(g, gsum, keep, liq, s, t, lo, hi, first, direction):
    """Bins ``lo..hi-1`` of side ``s``, tier ``t``; bin ``b`` is number
    ``(b - first) * direction`` from the frontier (0-based). Returns (liquidated, exited) in
    the tier's stored units."""
    a = 0.0
    e = 0.0
    for b in range(lo, hi):
        k = (b - first) * direction
        x = g[s, t, b]
        q = x * liq[k]
        y = (x - q) * keep[k]
        a += q
        e += x - q - y
        g[s, t, b] = y
    gsum[s, t] -= a + e
    return a, e


@nb.njit(cache=True, inline="always")
def _near(g, scale, gsum, act_lo, act_hi, keep, liq, zone, il, ih):
    """The ``zone`` bins nearest the frontier: a share ``liq`` is liquidated, then a share
    ``1 - keep`` of the rest exits. Returns USD (swept long, swept short, exited long,
    exited short)."""
    T = g.shape[1]
    sw_l = 0.0
    sw_s = 0.0
    ex_l = 0.0
    ex_s = 0.0
    for t in range(T):
        # longs: bins il-1 (k=1) down to il-zone (k=zone); shorts: ih+1 (k=1) up to ih+zone
        a, e = _near_tier(g, gsum, keep, liq, LONG, t, max(act_lo[LONG, t], il - zone),
                          min(act_hi[LONG, t], il), il - 1, -1)
        sw_l += a * scale[LONG, t]
        ex_l += e * scale[LONG, t]
        a, e = _near_tier(g, gsum, keep, liq, SHORT, t, max(act_lo[SHORT, t], ih + 1),
                          min(act_hi[SHORT, t], ih + zone + 1), ih + 1, 1)
        sw_s += a * scale[SHORT, t]
        ex_s += e * scale[SHORT, t]
    return sw_l, sw_s, ex_l, ex_s


@nb.njit(cache=True, inline="always")
def _close_proportional(scale, gsum, s, f):
    T = scale.shape[1]
    out = 0.0
    for t in range(T):
        out += f * gsum[s, t] * scale[s, t]
        scale[s, t] *= 1.0 - f
    return out


@nb.njit(cache=True, inline="always")
def _close_nearest(g, scale, gsum, act_lo, act_hi, s, f, nbins):
    """Close ``f`` of side ``s``, the levels nearest the price first (highest longs, lowest
    shorts); every tier of a bin goes together."""
    T = g.shape[1]
    rem = 0.0
    for t in range(T):
        rem += f * gsum[s, t] * scale[s, t]
    removed = 0.0
    top = 0
    bot = nbins
    for t in range(T):
        if act_lo[s, t] < act_hi[s, t]:
            top = max(top, act_hi[s, t])
            bot = min(bot, act_lo[s, t])
    b = top - 1 if s == LONG else bot
    direction = -1 if s == LONG else 1
    while bot <= b < top and rem > 0.0:
        m = 0.0
        for t in range(T):
            m += g[s, t, b] * scale[s, t]
        r = 1.0 if m <= rem else rem / m
        for t in range(T):
            x = g[s, t, b] * r
            g[s, t, b] = 0.0 if r == 1.0 else g[s, t, b] - x
            gsum[s, t] -= x
        take = m if m <= rem else rem
        removed += take
        rem -= take
        if r == 1.0:
            b += direction
    for t in range(T):   # bins beyond b are now empty
        if s == LONG and act_hi[s, t] > b + 1:
            act_hi[s, t] = max(b + 1, act_lo[s, t])
        if s == SHORT and act_lo[s, t] < b:
            act_lo[s, t] = min(b, act_hi[s, t])
    return removed


@nb.njit(cache=True, inline="always")
def _close_oldest(g, scale, gsum, q_b, q_t, q_k, q_a, head, tail, last_sweep, s, f):
    """Close ``f`` of side ``s``, the oldest deposits first (a queue of deposits in their
    tier's scaled units; entries swept since, or emptied, are skipped)."""
    T = g.shape[1]
    rem = 0.0
    for t in range(T):
        rem += f * gsum[s, t] * scale[s, t]
    removed = 0.0
    while rem > 0.0 and head[s] < tail[s]:
        e = head[s]
        b = q_b[s, e]
        t = q_t[s, e]
        if last_sweep[s, t, b] > q_k[s, e] or q_a[s, e] <= 0.0 or g[s, t, b] <= 0.0:
            head[s] += 1
            continue
        sc = scale[s, t]
        x = min(q_a[s, e], g[s, t, b], rem / sc)
        g[s, t, b] -= x
        gsum[s, t] -= x
        q_a[s, e] -= x
        rem -= x * sc
        removed += x * sc
        if q_a[s, e] <= 0.0 or g[s, t, b] <= 0.0:
            head[s] += 1
    return removed


@nb.njit(cache=True, inline="always")
def _queue(q_b, q_t, q_k, q_a, tail, s, b, t, i, v, il, ih):
    """Queue a deposit of ``v`` (stored units) on bin ``b`` of side ``s``, tier ``t``, candle
    ``i`` (oldest-first closing), unless it is empty or beyond this candle's sweep frontier."""
    if v <= 0.0 or ((b >= il) if s == LONG else (b <= ih)):
        return
    e = tail[s]
    q_b[s, e] = b
    q_t[s, e] = t
    q_k[s, e] = i
    q_a[s, e] = v
    tail[s] = e + 1


@nb.njit(cache=True, inline="always")
def _tent_cdf(d):
    """The integral of the unit tent max(0, 1 - |x|) from -inf to d."""
    if d <= -1.0:
        return 0.0
    if d <= 0.0:
        return 0.5 * (d + 1.0) * (d + 1.0)
    if d < 1.0:
        return 1.0 - 0.5 * (1.0 - d) * (1.0 - d)
    return 1.0


@nb.njit(cache=True, inline="always")
def _point(y, top):
    """A point at ``y`` (bin-centre units) by linear interpolation: (bin ``j``, weight ``w``
    of bin ``j + 1``, clipped 0/1); outside ``[0, top]`` it goes to the end bin."""
    jf = math.floor(y)
    j = int(jf)
    if j < 0:
        return 0, 0.0, 1
    if j >= top:
        return top - 1, 1.0, 1
    return j, y - jf, 0


#: a level interval narrower than this (in bins) is deposited as a point
_POINT = 1e-9


@nb.njit(cache=True, inline="always")
def _candle_span(ulo, uhi, ent_w, i):
    """The candle's lowest and highest entry coordinates and the weighted middle of its entry
    slices (for the whole-candle shortcut of :func:`_open`)."""
    umin = ulo[i, 0]
    umax = uhi[i, 0]
    umid = 0.0
    for p in range(ulo.shape[1]):
        umin = min(umin, ulo[i, p])
        umax = max(umax, uhi[i, p])
        umid += ent_w[i, p] * 0.5 * (ulo[i, p] + uhi[i, p])
    return umin, umax, umid


@nb.njit(cache=True, inline="always")
def _open(g, scale, gsum, act_lo, act_hi, q_b, q_t, q_k, q_a, tail, track, whole, i, s, side_amt,
          ulo, uhi, ent_w, span3, ya, yb, tier_w, nbins, il, ih):
    """Deposit ``side_amt`` USD on side ``s``; returns (opened, swept now, clipped).

    Tier by tier (the tier's scale, bounds and sum stay in registers), entry point by entry
    point. An entry point is a slice of the candle's prices (``ulo``..``uhi``, anchored grid
    coordinates of its edges; equal for a point entry); its levels fill the interval
    ``[y0, y1] = u * ya + yb`` in bin-centre units (bin ``j``'s centre at ``j``), uniformly,
    and each bin gets the interval's average of its linear-interpolation weight (the tent
    around its centre): ``(T(y1 - j) - T(y0 - j)) / (y1 - y0)`` with ``T`` the tent's
    integral. Three cases, the first two in closed form:

    - no bin centre inside (or a point): the tent is linear there, so the slice weighs like a
      point at its middle ``y``: bins ``floor(y)`` and ``floor(y) + 1``, ``1 - w`` and ``w``;
    - one centre ``c`` inside, ``A = c - y0``, ``B = y1 - c``: bins ``c - 1``, ``c``, ``c + 1``
      get ``A²/2``, ``A + B - A²/2 - B²/2`` and ``B²/2`` over ``A + B``;
    - wider slices: the tent integral bin by bin.

    What lands where this candle's sweep already reached (long bins >= ``il``, short bins <=
    ``ih``, empty since the sweep) is taken out again at the end of the tier and counted as
    opened *and* swept in this candle. With ``track`` (oldest-first closing) each deposit on a
    bin short of the frontier is also queued.
    """
    T = g.shape[1]
    P = ulo.shape[1]
    opened = 0.0
    now = 0.0
    clipped = 0
    top = nbins - 1
    umin, umax, umid = span3
    for t in range(T):
        mt = side_amt * tier_w[t]
        if mt <= 0.0:
            continue
        opened += mt
        inv = 1.0 / scale[s, t]
        a = ya[s, t]
        b = yb[s, t]
        lo = act_lo[s, t]
        hi = act_hi[s, t]
        dep = 0.0
        # exact: a tier whose whole candle falls between two centres (where the tent is
        # linear) takes its slices as one point at their weighted middle; not under
        # oldest-first closing, whose queue keeps each slice's deposits in order
        whole_t = (whole and not track and P > 1
                   and math.floor(umin * a + b) == math.floor(umax * a + b))
        for p in range(1 if whole_t else P):
            if whole_t:
                m = mt * inv
                y0 = y1 = umid * a + b
            else:
                m = mt * ent_w[i, p] * inv      # in the tier's scaled units
                if m <= 0.0:
                    continue
                y0 = ulo[i, p] * a + b
                y1 = uhi[i, p] * a + b
            dep += m
            f0 = math.floor(y0)
            f1 = math.floor(y1)
            if f0 == f1 or y1 - y0 <= _POINT:          # two bins, straight-line
                j, w, cl = _point(0.5 * (y0 + y1), top)
                clipped += cl
                m1 = m * w
                g[s, t, j] += m - m1
                g[s, t, j + 1] += m1
                lo = min(lo, j)
                hi = max(hi, j + 2)
                if track:
                    _queue(q_b, q_t, q_k, q_a, tail, s, j, t, i, m - m1, il, ih)
                    _queue(q_b, q_t, q_k, q_a, tail, s, j + 1, t, i, m1, il, ih)
                continue
            c = int(f1)
            if f1 == f0 + 1.0 and c >= 1 and c < top:  # one centre inside: three bins
                A = f1 - y0
                B = y1 - f1
                span = 1.0 / (y1 - y0)
                wl = 0.5 * A * A * span
                wr = 0.5 * B * B * span
                g[s, t, c - 1] += m * wl
                g[s, t, c] += m * (1.0 - wl - wr)
                g[s, t, c + 1] += m * wr
                lo = min(lo, c - 1)
                hi = max(hi, c + 2)
                if track:
                    _queue(q_b, q_t, q_k, q_a, tail, s, c - 1, t, i, m * wl, il, ih)
                    _queue(q_b, q_t, q_k, q_a, tail, s, c, t, i, m * (1.0 - wl - wr), il, ih)
                    _queue(q_b, q_t, q_k, q_a, tail, s, c + 1, t, i, m * wr, il, ih)
                continue
            j0 = int(f0)
            j1 = c + 1
            if j0 < 0 or j1 > top:
                clipped += 1
                j0 = max(j0, 0)
                j1 = min(j1, top)
            span = 1.0 / (y1 - y0)
            for j in range(j0, j1 + 1):
                v = m * (_tent_cdf(y1 - j) - _tent_cdf(y0 - j)) * span
                g[s, t, j] += v
                if track:
                    _queue(q_b, q_t, q_k, q_a, tail, s, j, t, i, v, il, ih)
            lo = min(lo, j0)
            hi = max(hi, j1 + 1)
        # take back what landed beyond this candle's sweep frontier (swept now)
        x = 0.0
        if s == LONG:
            if hi > il:
                for j in range(max(il, lo), hi):
                    x += g[s, t, j]
                    g[s, t, j] = 0.0
                if lo >= il:
                    lo, hi = nbins, 0
                else:
                    hi = il
        else:
            if lo <= ih:
                for j in range(lo, min(ih + 1, hi)):
                    x += g[s, t, j]
                    g[s, t, j] = 0.0
                if hi <= ih + 1:
                    lo, hi = nbins, 0
                else:
                    lo = ih + 1
        now += x * scale[s, t]
        act_lo[s, t] = lo
        act_hi[s, t] = hi
        gsum[s, t] += dep - x
    return opened, now, clipped


@nb.njit(cache=True, inline="always")
def _decay(scale, gsum, dfac, s):
    T = scale.shape[1]
    out = 0.0
    for t in range(T):
        d = dfac[t]
        if d < 1.0:
            out += (1.0 - d) * gsum[s, t] * scale[s, t]
            scale[s, t] *= d
    return out


@nb.njit(cache=True)
def _renorm(g, s, t, scale, gsum, act_lo, act_hi, q_t, q_a, head, tail):
    sc = scale[s, t]
    tot = 0.0
    for b in range(act_lo[s, t], act_hi[s, t]):
        g[s, t, b] *= sc
        tot += g[s, t, b]
    for e in range(head[s], tail[s]):
        if q_t[s, e] == t:
            q_a[s, e] *= sc
    gsum[s, t] = tot
    scale[s, t] = 1.0


@nb.njit(cache=True, inline="always")
def _snapshot(g, scale, act_lo, act_hi, group, heat, heat_t, want_tiers, col, nbins):
    T = g.shape[1]
    G = heat_t.shape[1]
    for s in range(2):
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
        heat[s, col, lo:hi] = 0.0
        if want_tiers:
            for k in range(G):
                heat_t[s, k, col, :] = 0.0
        for t in range(T):
            sc = scale[s, t]
            a, z = act_lo[s, t], act_hi[s, t]
            k = group[t]
            for b in range(a, z):
                v = g[s, t, b] * sc
                heat[s, col, b] += v
                if want_tiers:
                    heat_t[s, k, col, b] += v


# ---------------------------------------------------------------------------------------------
class KernelState(NamedTuple):
    """The kernel's working arrays, allocated by :func:`run_kernel` (the compiled loop
    allocates nothing, so it runs without reference counting)."""
    g: np.ndarray           # [2, T, nbins] outstanding notional per side, tier and bin (scaled)
    scale: np.ndarray       # [2, T] USD per stored unit
    gsum: np.ndarray        # [2, T] running sum of g (stored units)
    act_lo: np.ndarray      # [2, T] int: bins outside [act_lo, act_hi) are empty
    act_hi: np.ndarray
    ya: np.ndarray          # [2, T] y = u * ya + yb: an anchored coordinate u in bin-centre units
    yb: np.ndarray
    dfac: np.ndarray        # [T] decay factor of the current candle length
    keep: np.ndarray        # [max zone] exits' keep share, k bins from the frontier
    liq: np.ndarray         # [max zone] near-miss liquidated share
    swept: np.ndarray       # [n, 2] outputs
    exited: np.ndarray      # [n, 2]
    totals: np.ndarray      # [2, len(TOTALS)]
    q_b: np.ndarray         # [2, cap] oldest-first deposit queue: bin, tier, candle, amount
    q_t: np.ndarray
    q_k: np.ndarray
    q_a: np.ndarray
    head: np.ndarray        # [2] queue bounds
    tail: np.ndarray
    last_sweep: np.ndarray  # [2, T, nbins] candle that last swept each bin (oldest-first only)


def level_coords(md: KernelModel) -> tuple[np.ndarray, np.ndarray]:
    """``(ya, yb)`` [2, T]: an entry at anchored grid coordinate ``u`` has its tier's level at
    ``u * ya + yb`` in bin-centre units (bin ``j``'s centre at ``j``)."""
    T = md.fac.shape[1]
    if md.relative:
        return np.ones((2, T)), md.lfac - 0.5 - md.k0
    return np.array(md.fac, float), np.full((2, T), -0.5 - md.k0)


def run_kernel(cd: KernelCandles, md: KernelModel, heat: np.ndarray, heat_t: np.ndarray,
               kernel=None):
    """Run the model over prepared candles ``cd`` (:class:`KernelCandles`) and population
    ``md`` (:class:`KernelModel`). Fills ``heat[2, ncols, nbins]`` (float64) and
    ``heat_t[2, G, ncols, nbins]`` (float32, by display group; pass a 0-column array to skip)
    completely. Returns (swept[n, 2], exited[n, 2], totals[2, 6], clipped).

    Two compiled versions of one loop: the oldest-first policy's deposit queue is compiled in
    only where it is used. ``kernel``: another compiled loop from :func:`_make_kernel` (the
    benchmark's)."""
    n, P = cd.ulo.shape
    T, nbins = md.fac.shape[1], md.nbins
    track = md.policy == OLDEST
    cap = 0
    if track:   # at most floor(y1) - floor(y0) + 2 bins per deposit
        fmax = 1.0 if md.relative else max(float(md.fac.max()), 1.0)
        widest = ((cd.uhi - cd.ulo) * fmax).max(axis=1) if n else np.zeros(0)
        cap = int(T * P * (np.ceil(widest) + 2).sum())
    zmax = max(int(cd.zone.max()) if n else 0, 1)
    ya, yb = level_coords(md)
    st = KernelState(
        g=np.zeros((2, T, nbins)), scale=np.ones((2, T)), gsum=np.zeros((2, T)),
        act_lo=np.full((2, T), nbins, np.int64), act_hi=np.zeros((2, T), np.int64),
        ya=ya, yb=yb,
        dfac=np.ones(T), keep=np.ones(zmax), liq=np.zeros(zmax),
        swept=np.zeros((n, 2)), exited=np.zeros((n, 2)), totals=np.zeros((2, len(TOTALS))),
        q_b=np.zeros((2, cap), np.int32), q_t=np.zeros((2, cap), np.int32),
        q_k=np.zeros((2, cap), np.int32), q_a=np.zeros((2, cap)),
        head=np.zeros(2, np.int64), tail=np.zeros(2, np.int64),
        last_sweep=np.full((2, T, nbins if track else 0), -1, np.int32))
    clipped = (kernel or _KERNELS[track])(cd, md, heat, heat_t, st)
    return st.swept, st.exited, st.totals, clipped


def _njit_no_refcount(**kw):
    """``numba.njit`` without reference counting (``_nrt=False``, a long-standing numba option:
    the loop allocates nothing). Reference counting costs the deposit loop 4x: numba cannot
    prove the arrays inlined into it stay alive and wraps their uses in atomic
    increments/decrements. Falls back to plain ``njit`` where the option is gone."""
    try:
        return nb.njit(_nrt=False, **kw)
    except KeyError:   # pragma: no cover - a numba without the option
        return nb.njit(**kw)


def _make_kernel(track: bool, whole: bool = True):
    """The candle loop, with ``track`` (keep the oldest-first deposit queue) fixed at compile
    time: a queue that is never used still costs the other policies a fifth of their time.
    ``whole=False`` turns off the whole-candle shortcut of :func:`_open` (same results; for
    the benchmark)."""

    @_njit_no_refcount(cache=True)
    def kernel(cd, md, heat, heat_t, st):
        return _candle_loop(cd, md, heat, heat_t, st, track, whole)

    return kernel


@nb.njit(cache=True, inline="always")
def _candle_loop(cd, md, heat, heat_t, st, track, whole):
    """The candle loop (steps 1 to 5 per candle, then the totals); returns ``clipped``."""
    ulo, uhi, ent_w, ul, uh = cd.ulo, cd.uhi, cd.ent_w, cd.ul, cd.uh
    inflow, lshare, close_frac, days, hours, zone, snap = (cd.inflow, cd.lshare, cd.close_frac,
                                                           cd.days, cd.hours, cd.zone, cd.snap)
    tier_w, half_life, group = md.tier_w, md.half_life, md.group
    exit_rate, k0, nbins, policy = md.exit_rate, md.k0, md.nbins, md.policy
    exit_distance, level_noise = md.exit_distance, md.level_noise
    g, scale, gsum, act_lo, act_hi = st.g, st.scale, st.gsum, st.act_lo, st.act_hi
    ya, yb, dfac, keep, liq = st.ya, st.yb, st.dfac, st.keep, st.liq
    swept, exited, totals = st.swept, st.exited, st.totals
    q_b, q_t, q_k, q_a, head, tail, last_sweep = (st.q_b, st.q_t, st.q_k, st.q_a, st.head,
                                                  st.tail, st.last_sweep)
    n = ulo.shape[0]
    T = g.shape[1]
    want_tiers = heat_t.shape[2] > 0
    clipped = 0
    # per-candle factors, recomputed only when the candle length changes
    last_days = -1.0
    last_rate = -1.0
    last_zone = -1

    for i in range(n):
        il = min(max(math.ceil(ul[i] - 0.5) - k0, 0), nbins)     # first long bin swept
        ih = min(max(math.floor(uh[i] - 0.5) - k0, -1), nbins - 1)  # last short bin swept
        # 1. sweep
        a_l, a_s = _sweep(g, scale, gsum, act_lo, act_hi, last_sweep, track, i, il, ih, nbins)
        swept[i, LONG] += a_l
        swept[i, SHORT] += a_s
        # 2. near the price: near-miss liquidations (level noise), then exits
        z = zone[i]
        if (exit_rate > 0.0 or level_noise > 0.0) and z > 0:
            rate_h = exit_rate * hours[i]
            if rate_h != last_rate or z != last_zone:
                _near_factors(keep, liq, rate_h, z, exit_distance, level_noise)
                last_rate = rate_h
                last_zone = z
            q_l, q_s, x_l, x_s = _near(g, scale, gsum, act_lo, act_hi, keep, liq, z, il, ih)
            swept[i, LONG] += q_l
            swept[i, SHORT] += q_s
            exited[i, LONG] += x_l
            exited[i, SHORT] += x_s
        # 3. close
        f = close_frac[i]
        if f > 0.0:
            for s in range(2):
                if policy == PROPORTIONAL:
                    totals[s, CLOSED] += _close_proportional(scale, gsum, s, f)
                elif policy == NEAREST:
                    totals[s, CLOSED] += _close_nearest(g, scale, gsum, act_lo, act_hi, s, f, nbins)
                else:
                    totals[s, CLOSED] += _close_oldest(g, scale, gsum, q_b, q_t, q_k, q_a, head,
                                                       tail, last_sweep, s, f)
        # 4. open
        amt = inflow[i]
        if amt > 0.0:
            span3 = _candle_span(ulo, uhi, ent_w, i)
            for s in range(2):
                side_amt = amt * 2.0 * (lshare[i] if s == LONG else 1.0 - lshare[i])
                if side_amt <= 0.0:
                    continue
                o, now, c = _open(g, scale, gsum, act_lo, act_hi, q_b, q_t, q_k, q_a, tail, track,
                                  whole, i, s, side_amt, ulo, uhi, ent_w, span3, ya, yb, tier_w,
                                  nbins, il, ih)
                totals[s, OPENED] += o
                swept[i, s] += now
                clipped += c
        # 5. decay, then snapshot
        if days[i] != last_days:
            for t in range(T):
                dfac[t] = 0.5 ** (days[i] / half_life[t]) if half_life[t] > 0.0 else 1.0
            last_days = days[i]
        for s in range(2):
            totals[s, DECAYED] += _decay(scale, gsum, dfac, s)
            for t in range(T):
                if scale[s, t] < _TINY or scale[s, t] > _HUGE:
                    _renorm(g, s, t, scale, gsum, act_lo, act_hi, q_t, q_a, head, tail)
        col = snap[i]
        if col >= 0:
            _snapshot(g, scale, act_lo, act_hi, group, heat, heat_t, want_tiers, col, nbins)
    for s in range(2):
        for i in range(n):
            totals[s, SWEPT] += swept[i, s]
            totals[s, EXITED] += exited[i, s]
        out = 0.0
        for t in range(T):
            a = 0.0
            for b in range(nbins):
                a += g[s, t, b]
            out += a * scale[s, t]
        totals[s, OUTSTANDING] = out
    return clipped


#: the compiled loops, by ``track``
_KERNELS = {False: _make_kernel(False), True: _make_kernel(True)}
