"""ModelParams: every assumption declared once, validated, exported as data and as the README table."""
import importlib.util
from pathlib import Path

import pytest

import liqlab
from liqlab.model.params import FieldSpec, ModelParams

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_valid_and_in_their_own_bounds():
    p = liqlab.ModelParams()
    for s in ModelParams.spec():
        v = getattr(p, s.name)
        assert v == s.default
        if s.kind in ("float", "int"):
            assert s.bounds[0] <= v <= s.bounds[1], s.name
        if s.kind == "choice":
            assert v in s.choices, s.name


def test_spec_is_data_for_sliders():
    spec = ModelParams.spec()
    assert all(isinstance(s, FieldSpec) for s in spec)
    kinds = {s.kind for s in spec}
    assert kinds <= {"float", "int", "bool", "choice", "weights", "floats"}
    for s in spec:
        assert s.doc and s.group, s.name
        if s.kind in ("float", "int", "weights", "floats"):
            assert s.bounds and s.bounds[0] < s.bounds[1], s.name
        if s.kind == "choice":
            assert s.choices and s.default in s.choices, s.name
        if s.kind == "weights":
            assert s.labels and len(s.labels) == len(s.default), s.name
    names = [s.name for s in spec]
    for must in ("inflow_volume_share", "inflow_oi_share", "side_rule", "entry", "leverage_tiers",
                 "leverage_weights", "close_policy", "decay_half_life_days", "bin_mode", "brackets",
                 "position_usd", "grid_range"):
        assert must in names


@pytest.mark.parametrize("changes,msg", [
    ({"inflow_volume_share": -0.1}, r"inflow_volume_share = -0.1 is out of bounds \[0, 1\]"),
    ({"side_skew": 0.8}, "side_skew"),
    ({"decay_half_life_days": float("nan")}, "finite"),
    ({"uniform_points": 2.5}, "integer"),
    ({"side_rule": "vibes"}, "not one of"),
    ({"leverage_tiers": (5.0, 200.0), "leverage_weights": (1, 1)}, r"leverage_tiers\[1\]"),
    ({"leverage_weights": (0, 0, 0, 0, 0)}, "positive sum"),
    ({"leverage_weights": (1, 1)}, "one weight per tier"),
    ({"entry_weights": (1, 1, 1)}, "4 weights"),
    ({"brackets": "nowhere.csv"}, "does not exist"),
    ({"inflow_oi_share": "1"}, "must be a number"),
])
def test_out_of_bounds_is_a_clear_error(changes, msg):
    with pytest.raises(ValueError, match=msg):
        ModelParams(**changes)


def test_replace_validates_and_keeps_the_rest():
    p = ModelParams().replace(side_rule="direction", side_skew=0.3)
    assert (p.side_rule, p.side_skew, p.entry) == ("direction", 0.3, "range")
    with pytest.raises(ValueError, match="unknown parameter"):
        p.replace(nonsense=1)
    with pytest.raises(ValueError, match="out of bounds"):
        p.replace(grid_range=1000.0)
    assert ModelParams(leverage_weights=[0, 1, 0.5, 0.5, 1]).leverage_weights == (0.0, 1.0, 0.5, 0.5, 1.0)


def test_markdown_table_has_one_row_per_parameter():
    table = ModelParams.markdown_table().splitlines()
    assert len(table) == 2 + len(ModelParams.spec())
    assert table[2].startswith("| `inflow_volume_share` | 0.05 |")


def test_readme_parameter_table_is_current():
    spec = importlib.util.spec_from_file_location("params_table", ROOT / "scripts" / "params_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (ROOT / "docs" / "model.md").read_text()
    assert mod.render(text) == text, "docs/model.md parameter table is stale: run python scripts/params_table.py"
