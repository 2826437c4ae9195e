"""ipywidgets generated from a parameter declaration (``ModelParams.spec()``): a slider or
selector per parameter, grouped, with the doc and unit as the tooltip. Nothing here is
hand-written per parameter: add a parameter to ModelParams and it gets its widget."""
from __future__ import annotations

import math
from typing import Any

import ipywidgets as w

__all__ = ["widget_for", "value_of", "param_widgets", "grouped"]

_STYLE = {"description_width": "150px"}
_LAYOUT = {"width": "430px"}


def _tip(spec) -> str:
    unit = f" [{spec.unit}]" if spec.unit else ""
    return f"{spec.name}{unit}: {spec.doc}"


def widget_for(spec, value: Any) -> w.Widget:
    """The widget for one parameter declaration (a ``FieldSpec``) showing ``value``.

    float: a slider over its bounds (log scale when the declaration says so); int: an integer
    slider; bool: a checkbox; choice: a dropdown; weights: one slider per labelled weight;
    floats: a comma-separated text box. Sliders report on release (``continuous_update=False``).
    """
    kw = dict(description=spec.name, tooltip=_tip(spec),
              style=_STYLE, layout=w.Layout(**_LAYOUT))
    kind, lo_hi = spec.kind, spec.bounds
    if kind == "float":
        lo, hi = lo_hi
        if spec.log and lo > 0:
            return w.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi),
                                    step=0.01, continuous_update=False, readout_format=".3g", **kw)
        return w.FloatSlider(value=value, min=lo, max=hi, step=spec.step or (hi - lo) / 100,
                             continuous_update=False, readout_format=".4g", **kw)
    if kind == "int":
        lo, hi = lo_hi
        return w.IntSlider(value=value, min=int(lo), max=int(hi), step=int(spec.step or 1),
                           continuous_update=False, **kw)
    if kind == "bool":
        return w.Checkbox(value=bool(value), indent=False, **kw)
    if kind == "choice":
        return w.Dropdown(options=list(spec.choices), value=value, **kw)
    if kind == "weights":
        lo, hi = lo_hi or (0.0, 1.0)
        sliders = [w.FloatSlider(value=float(v), min=lo, max=hi, step=spec.step or 0.05,
                                 description=str(lab), continuous_update=False,
                                 orientation="vertical", readout_format=".2f",
                                 layout=w.Layout(width="60px"), tooltip=_tip(spec))
                   for lab, v in zip(spec.labels, value)]
        box = w.HBox([w.Label(spec.name, tooltip=_tip(spec), layout=w.Layout(width="150px")),
                      *sliders])
        box.sliders = sliders
        return box
    if kind == "floats":
        return w.Text(value=", ".join(f"{v:g}" for v in value), continuous_update=False, **kw)
    raise ValueError(f"no widget for parameter kind {kind!r} ({spec.name})")


def value_of(spec, widget: w.Widget) -> Any:
    """The parameter value a widget made by :func:`widget_for` holds (ValueError if a text box
    does not parse)."""
    if spec.kind == "weights":
        return tuple(float(s.value) for s in widget.sliders)
    if spec.kind == "floats":
        try:
            return tuple(float(x) for x in widget.value.replace(";", ",").split(",") if x.strip())
        except ValueError:
            raise ValueError(f"{spec.name}: {widget.value!r} is not a comma-separated list of "
                             "numbers, e.g. 5, 10, 25, 50, 100") from None
    if spec.kind == "int":
        return int(widget.value)
    if spec.kind == "float":
        return float(widget.value)
    return widget.value


def param_widgets(params) -> dict[str, w.Widget]:
    """A widget per parameter of ``params`` (a ModelParams), keyed by name, in declaration order."""
    return {s.name: widget_for(s, getattr(params, s.name)) for s in type(params).spec()}


def observe(widget: w.Widget, callback) -> None:
    """Call ``callback(change)`` when the widget's value changes (every slider of a weights box)."""
    for part in getattr(widget, "sliders", [widget]):
        part.observe(callback, names="value")


def grouped(params, widgets: dict[str, w.Widget]) -> w.Accordion:
    """The widgets in an accordion, one section per parameter group (inflow, sides, ...)."""
    groups: dict[str, list] = {}
    for s in type(params).spec():
        groups.setdefault(s.group or "other", []).append(widgets[s.name])
    acc = w.Accordion(children=[w.VBox(v) for v in groups.values()])
    acc.titles = tuple(groups)
    return acc
