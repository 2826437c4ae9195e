"""Notebook setup: holoviews' bokeh extension with everything inline, so that a notebook loads
nothing from the network (it works offline and on a machine without internet access).

``hv.extension("bokeh", inline=True)`` inlines bokeh's and panel's JavaScript, but each chart
panel renders still names four stylesheets by their CDN address (``cdn.holoviz.org/panel/<v>/
dist/``: ``css/loading.css``, ``css/listpanel.css``, ``bundled/theme/default.css`` and
``bundled/theme/native.css``), which the browser then requests. Panel ships these files; with
:func:`extension` every chart carries their text instead of their address.
"""
from __future__ import annotations

import holoviews as hv
import panel as pn
from bokeh.models import UIElement
from panel.io.notebook import patch_inline_stylesheets
from panel.viewable import Viewable

__all__ = ["extension"]


def _inline_stylesheets(viewable, root) -> None:
    """Panel preprocessing hook: every CDN stylesheet of a model about to be shown, replaced by
    the text of the file panel ships (a stylesheet that is not one of panel's is left alone)."""
    for model in root.select({"type": UIElement}):
        patch_inline_stylesheets(model)


def extension(logo: bool = False) -> None:
    """Load holoviews' bokeh extension for this notebook, offline: bokeh's and panel's
    JavaScript and every chart's stylesheets are inlined, nothing is fetched from a CDN.

    Call it once, in the notebook's first code cell, instead of ``hv.extension("bokeh")``.
    """
    pn.config.inline = True   # charts updated later (zoom, a new estimate) are inlined too
    if _inline_stylesheets not in Viewable._preprocessing_hooks:
        Viewable._preprocessing_hooks.append(_inline_stylesheets)
    hv.extension("bokeh", inline=True, logo=logo)
