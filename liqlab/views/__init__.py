"""Views: functions that take computed results (candles, an estimate's heatmap) and return
holoviews objects (bokeh backend, datashader for the heatmap). Nothing here computes the model.

Modules: ``panels`` (candles, volume, open interest, funding, markers), ``layout`` (pages on a
shared time axis), ``static`` (matplotlib figures for PNG files), ``style`` (colours).
"""
