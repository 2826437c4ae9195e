"""Rewrite the parameter table in docs/model.md from liqlab.ModelParams (the single declaration).

    python scripts/params_table.py          # rewrite docs/model.md in place
    python scripts/params_table.py --check  # exit 1 when the table is stale

Only the lines between ``<!-- BEGIN params-table -->`` and ``<!-- END params-table -->``
are replaced.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from liqlab.model.params import ModelParams

BEGIN, END = "<!-- BEGIN params-table -->", "<!-- END params-table -->"
README = Path(__file__).resolve().parents[1] / "docs" / "model.md"


def render(text: str) -> str:
    """``text`` with the table between the markers regenerated."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"{README} has no {BEGIN} .. {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{ModelParams.markdown_table()}\n{END}{tail}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = ap.parse_args(argv)
    text = README.read_text()
    new = render(text)
    if args.check:
        if new != text:
            print("docs/model.md parameter table is stale: run python scripts/params_table.py")
            return 1
        return 0
    if new != text:
        README.write_text(new)
        print("docs/model.md parameter table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
