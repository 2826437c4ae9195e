"""The estimator: declared parameters (:mod:`.params`), bracket tables and the exact
liquidation price (:mod:`.margin`), the anchored price grid (:mod:`.grid`), inputs checked and
aligned with no lookahead then run (:mod:`.estimator`), and the numba kernel (:mod:`.kernel`).

The public entry points are ``liqlab.estimate``, ``liqlab.estimate_many`` and
``liqlab.ModelParams``.
"""
