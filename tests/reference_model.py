"""A plain-Python reference implementation of the estimator's kernel (loops, lists, no numba).

It consumes the same prepared arrays as :func:`liqlab.model.kernel.run_kernel` but keeps the state
in true USD (no scale factor, no moving frontier): proportional closing and decay multiply
every bin, sweeps compare every bin centre with the candle's low/high, exits find the bins
nearest the price by bisecting the bin centres, each tier decays with ``0.5 ** (days /
half_life)`` computed afresh, and oldest-first closing keeps an explicit list of deposits.
Slow on purpose; the tests compare the two.
"""
from __future__ import annotations

import bisect
import math

import numpy as np

from liqlab.model.estimator import Prepared


def _position(centres: list[float], logc: list[float], price: float, relative: bool):
    """Lower neighbour index and interpolation weight of ``price`` between bin centres."""
    j = bisect.bisect_right(centres, price) - 1
    if j < 0 or j >= len(centres) - 1:
        raise ValueError(f"level {price} outside the grid centres")
    if relative:
        w = (math.log(price) - logc[j]) / (logc[j + 1] - logc[j])
    else:
        w = (price - centres[j]) / (centres[j + 1] - centres[j])
    return j, w


def _weights(centres: list[float], logc: list[float], lo: float, hi: float, relative: bool):
    """(bin, share) pairs of a level interval [lo, hi] (prices), filled uniformly in the grid
    coordinate y (bin b's centre at y = b, linear in log price on a relative grid): each bin's
    share is the interval's average of its interpolation weight, the tent max(0, 1 - |y - b|).
    The tent is linear between integers, so the trapezoid rule on pieces cut at the integers
    is exact. A point (lo == hi) splits between its two neighbouring centres."""
    j0, w0 = _position(centres, logc, lo, relative)
    j1, w1 = _position(centres, logc, hi, relative)
    y0, y1 = j0 + w0, j1 + w1
    if y1 - y0 <= 1e-9:
        j, w = _position(centres, logc, 0.5 * (lo + hi), relative)
        return [(j, 1 - w), (j + 1, w)]
    cuts = [y0] + list(range(math.floor(y0) + 1, math.ceil(y1))) + [y1]
    acc: dict[int, float] = {}
    for a, b in zip(cuts[:-1], cuts[1:]):
        for c in (math.floor(a), math.floor(a) + 1):
            tent = lambda y: max(0.0, 1.0 - abs(y - c))  # noqa: E731
            acc[c] = acc.get(c, 0.0) + 0.5 * (tent(a) + tent(b)) * (b - a)
    return [(c, v / (y1 - y0)) for c, v in sorted(acc.items()) if 0 <= c < len(centres)]


def run_reference(prep: Prepared, want_tiers: bool = True):
    """Same outputs as ``run_kernel(*prep.kernel_args(want_tiers))`` except ``clipped``:
    (swept[n, 2], exited[n, 2], heat[2, ncols, nbins], heat_t[2, G, ncols, nbins] by display
    group, totals[2, 6] in the order of :data:`liqlab.model.kernel.TOTALS`)."""
    centres = [float(x) for x in prep.grid.centres]
    logc = [math.log(x) for x in centres]
    nb = len(centres)
    n = len(prep.o)
    T = prep.fac.shape[1]
    G = len(prep.pop.group_labels)
    group = [int(x) for x in prep.pop.group]
    half_life = [float(x) for x in prep.pop.half_life]
    ncols = len(prep.col_times)
    policy = prep.policy
    grid = [[[0.0] * nb for _ in range(T)] for _ in range(2)]
    records: list[list[list]] = [[], []]           # per side: [candle, tier, bin, usd]
    swept = [[0.0, 0.0] for _ in range(n)]
    heat = [[[0.0] * nb for _ in range(ncols)] for _ in range(2)]
    heat_t = [[[[0.0] * nb for _ in range(ncols)] for _ in range(G)] for _ in range(2)]
    exited = [[0.0, 0.0] for _ in range(n)]
    opened = [0.0, 0.0]
    closed = [0.0, 0.0]
    decayed = [0.0, 0.0]
    for i in range(n):
        lo, hi = float(prep.swl[i]), float(prep.swh[i])
        # 1. sweep (every record in a swept bin loses its claim, even when the bin was empty)
        for t in range(T):
            for b in range(nb):
                if centres[b] >= lo and grid[0][t][b] != 0.0:
                    swept[i][0] += grid[0][t][b]
                    grid[0][t][b] = 0.0
                if centres[b] <= hi and grid[1][t][b] != 0.0:
                    swept[i][1] += grid[1][t][b]
                    grid[1][t][b] = 0.0
        for r in records[0]:
            if centres[r[2]] >= lo:
                r[3] = 0.0
        for r in records[1]:
            if centres[r[2]] <= hi:
                r[3] = 0.0
        # 2. near the price: the zone bins nearest the frontier (k = 1 just beyond the low /
        #    high), the k-th taken to be (k - 1/2) * exit_distance / zone away; a share
        #    0.5 * exp(-distance / level_noise) is liquidated, then the rest keeps
        #    exp(-rate * hours * (zone - k + 1) / zone) (exits)
        zone = int(prep.zone[i])
        if (prep.exit_rate > 0 or prep.level_noise > 0) and zone > 0:
            first_swept = bisect.bisect_left(centres, lo)        # longs: centres >= lo are swept
            last_swept = bisect.bisect_right(centres, hi) - 1    # shorts: centres <= hi are swept
            for k in range(1, zone + 1):
                keep = math.exp(-prep.exit_rate * float(prep.hours[i]) * (zone - k + 1) / zone)
                dist = (k - 0.5) * prep.exit_distance / zone
                q = 0.5 * math.exp(-dist / prep.level_noise) if prep.level_noise > 0 else 0.0
                for s, b in ((0, first_swept - k), (1, last_swept + k)):
                    if 0 <= b < nb:
                        for t in range(T):
                            v = grid[s][t][b]
                            if not v:
                                continue
                            liq = v * q
                            out = (v - liq) * (1 - keep)
                            swept[i][s] += liq
                            exited[i][s] += out
                            grid[s][t][b] = v - liq - out   # records keep their claim (see the kernel)
        # 3. close
        f = float(prep.close_frac[i])
        if f > 0:
            for s in range(2):
                total = sum(sum(row) for row in grid[s])
                want = f * total
                if policy == 0:
                    for t in range(T):
                        grid[s][t] = [v * (1 - f) for v in grid[s][t]]
                    closed[s] += want
                elif policy == 2:   # nearest to price: highest long levels, lowest short levels
                    order = range(nb - 1, -1, -1) if s == 0 else range(nb)
                    rem = want
                    for b in order:
                        if rem <= 0:
                            break
                        m = sum(grid[s][t][b] for t in range(T))
                        if m == 0:
                            continue
                        if m <= rem:
                            for t in range(T):
                                grid[s][t][b] = 0.0
                            rem -= m
                        else:
                            r = rem / m
                            for t in range(T):
                                grid[s][t][b] *= 1 - r
                            rem = 0.0
                    closed[s] += want - rem
                else:               # oldest first
                    rem = want
                    for r in records[s]:
                        if rem <= 0:
                            break
                        t, b = r[1], r[2]
                        if grid[s][t][b] <= 0:   # an empty bin ends the claims of its records
                            r[3] = 0.0
                            continue
                        x = min(r[3], grid[s][t][b], rem)
                        if x <= 0:
                            continue
                        grid[s][t][b] -= x
                        r[3] -= x
                        rem -= x
                        if grid[s][t][b] <= 0:
                            r[3] = 0.0
                    closed[s] += want - rem
        # 4. open
        amt = float(prep.inflow[i])
        if amt > 0:
            ohlc = (float(prep.o[i]), float(prep.h[i]), float(prep.l[i]), float(prep.c[i]))
            for s in range(2):
                share = float(prep.lshare[i]) if s == 0 else 1 - float(prep.lshare[i])
                side_amt = amt * 2 * share
                if side_amt <= 0:
                    continue
                # tier by tier, then entry by entry: the order of records of one candle
                # (oldest-first closing takes them in this order, as the kernel does)
                for t in range(T):
                    for p in range(prep.ent_w.shape[1]):
                        ep = sum(float(prep.ent_coef[p, k]) * ohlc[k] for k in range(4))
                        m = side_amt * float(prep.ent_w[i, p]) * float(prep.tier_w[t])
                        if m <= 0:
                            continue
                        opened[s] += m
                        half = prep.ent_half * (ohlc[1] - ohlc[2])
                        f = float(prep.fac[s, t])
                        for b, share in _weights(centres, logc, (ep - half) * f, (ep + half) * f,
                                                 prep.grid.relative):
                            part = m * share
                            if part <= 0:
                                continue
                            hit = centres[b] >= lo if s == 0 else centres[b] <= hi
                            if hit:
                                swept[i][s] += part
                            else:
                                grid[s][t][b] += part
                                if policy == 1:
                                    records[s].append([i, t, b, part])
        # 5. decay: each tier with its own half-life
        days = float(prep.days[i])
        for t in range(T):
            if half_life[t] <= 0:
                continue
            d = 0.5 ** (days / half_life[t])
            for s in range(2):
                decayed[s] += (1 - d) * sum(grid[s][t])
                grid[s][t] = [v * d for v in grid[s][t]]
                for r in records[s]:
                    if r[1] == t:
                        r[3] *= d
        # 6. snapshot
        col = int(prep.snap[i])
        if col >= 0:
            for s in range(2):
                for t in range(T):
                    for b in range(nb):
                        heat[s][col][b] += grid[s][t][b]
                        heat_t[s][group[t]][col][b] += grid[s][t][b]
    outstanding = [sum(sum(row) for row in grid[s]) for s in range(2)]
    sw = np.array(swept, dtype=float).reshape(n, 2)
    ex = np.array(exited, dtype=float).reshape(n, 2)
    totals = np.array([[opened[s], sw[:, s].sum(), ex[:, s].sum(), closed[s], decayed[s],
                        outstanding[s]] for s in range(2)])
    ht = np.array(heat_t, dtype=np.float32) if want_tiers else np.zeros((2, G, 0, nb), np.float32)
    return sw, ex, np.array(heat, dtype=float), ht, totals
