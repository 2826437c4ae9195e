"""Baselines that know only the price path, to tell what the model's data add.

Four baselines sit beside the model in every score table (columns of :func:`.align.align`):

============  ==========================================================================
predictor     per period and side
============  ==========================================================================
range         the period's side range: (open - low) / open for longs, (high - open) / open
              for shorts, (high - low) / open for the total
range_sum     the same side ranges of the candles inside the period, summed (at the
              candles' own resolution: a path that swings back and forth scores higher)
path_null     the kit's own kernel on the same candles with the same ModelParams (grid,
              leverage, entry, side, closing and lifetime assumptions) but a constant
              inflow per candle and no open interest: it differs from the model only in
              what volume and open interest add (:func:`path_null`)
range_oi      range x open interest known at the period start (where OI is given)
============  ==========================================================================

The path null goes through the public :func:`liqlab.estimate`: the candles get a constant
``quote_volume`` column of 1 USD and the params ``inflow_volume_share=1``, with ``oi=None``;
so every candle opens 1 USD per side and nothing is closed by falling open interest. Its USD
scale is arbitrary; scores use ranks and shares only. When ModelParams gains options, the
null follows: it is ``params.replace(inflow_volume_share=1.0)``.
"""
from __future__ import annotations

import pandas as pd

from liqlab.model.estimator import estimate
from liqlab.model.params import ModelParams

__all__ = ["PATH_NULL_INFLOW_USD", "path_null_inputs", "path_null"]

#: the path null's inflow per candle (quote volume 1 x inflow_volume_share 1)
PATH_NULL_INFLOW_USD = 1.0


def path_null_inputs(candles: pd.DataFrame, params=None):
    """``(candles, params)`` for :func:`liqlab.estimate` that give the path null: the same
    candles with ``quote_volume`` set to :data:`PATH_NULL_INFLOW_USD` on every row, and
    ``params`` (defaults if None) with ``inflow_volume_share=1``. Estimate them with
    ``oi=None``."""
    params = params or ModelParams()
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a liqlab.ModelParams, got {type(params).__name__}")
    c = candles.copy()
    c["quote_volume"] = PATH_NULL_INFLOW_USD
    c.attrs = dict(candles.attrs)
    return c, params.replace(inflow_volume_share=1.0)


def path_null(candles: pd.DataFrame, params=None, *, funding=None, taker_buy=None, mark=None,
              per_tier: bool = False, **kw):
    """The path null as an :class:`liqlab.EstimateResult` (see the module doc): the model's
    kernel and assumptions (``params``), a constant inflow per candle, no open interest.
    ``funding``, ``taker_buy`` and ``mark`` are passed on as to the model (side rules
    'funding' / 'taker', mark-price sweeps), so the null differs from the model only in its
    inflow. Other keywords go to :func:`liqlab.estimate` (``step``, ``grid``, ``start``)."""
    c, p = path_null_inputs(candles, params)
    if p.side_rule == "taker" and taker_buy is None and "taker_buy_volume" in candles.columns:
        taker_buy = candles["taker_buy_volume"]
    res = estimate(c, oi=None, params=p, funding=funding, taker_buy=taker_buy, mark=mark,
                   per_tier=per_tier, **kw)
    res.meta["path_null"] = (f"constant inflow {PATH_NULL_INFLOW_USD:g} USD per candle and side "
                             "share, no open interest; other ModelParams as the model's")
    return res
