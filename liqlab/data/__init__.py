"""Data in: the canonical frames (:mod:`.schema`), the embedded real samples (:mod:`.samples`),
the local Parquet store (:mod:`.store`), exchange clients, fetch, dump import and the
liquidation recorder (:mod:`.exchanges`), and the standard windows (:mod:`.windows`).

Every frame that enters the kit passes :func:`liqlab.data.schema.validate` here; nothing in this
stage computes the model.
"""
