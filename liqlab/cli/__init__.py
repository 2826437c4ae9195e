"""The ``liqlab`` command. Each subcommand is a module of this package, named in ``_COMMANDS``; that
module defines ``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only
when their command runs, so ``liqlab --help`` stays fast."""
from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module, one-line help)
_COMMANDS = {
    "render": ("liqlab.cli.render", "write a standalone HTML page and a PNG of the heatmap"),
    "fetch": ("liqlab.cli.fetch", "fetch candles, mark price, open interest, funding into the store"),
    "import-dump": ("liqlab.cli.import_dump", "import Binance public-dump zips into the store"),
    "record": ("liqlab.cli.record", "record live liquidations into the store"),
    "backtest": ("liqlab.cli.backtest", "run the magnet-zone backtest and write tables and a report"),
    "validate": ("liqlab.cli.validate", "score predicted against realised liquidations"),
    "import-liquidations": ("liqlab.cli.import_liquidations", "import realised liquidations (Tardis-style events, period totals) into the store"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="liqlab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, helptext) in _COMMANDS.items():
        sub.add_parser(name, help=helptext, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in _COMMANDS:
        args = parser.parse_args(argv)  # prints help or the error for an unknown command
        parser.print_help()
        return 2
    name = argv[0]
    module = importlib.import_module(_COMMANDS[name][0])
    cmd_parser = argparse.ArgumentParser(prog=f"liqlab {name}", description=_COMMANDS[name][1])
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except ValueError as exc:  # bad input: say what is wrong, no traceback
        print(f"liqlab {name}: error: {exc}", file=sys.stderr)
        return 2

