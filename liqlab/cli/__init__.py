"""liqlab estimates where crypto-futures liquidations cluster (a liquidation heatmap) and
tests whether those clusters matter. It runs offline on the real market data shipped inside
the package; `liqlab fetch`, `import-dump` and `record` add exchange data (Binance USD-M, OKX,
Bybit, Hyperliquid) to a local Parquet store that the heatmap, the explorer and the backtest read;
`liqlab store` shows what it holds. Exchange data: docs/exchanges.md.
"""
# How the code is laid out: each command is a module of this package named in _COMMANDS,
# defining add_arguments(parser) and run(args) -> int; it is imported only when its command
# runs, so `liqlab --help` stays fast. A command whose module loads heavy libraries declares
# its flags in a light module of its own (_FLAGS), so that `liqlab COMMAND --help` and a usage
# error do not load them. Every failure passes through _fail (one error boundary): a short
# message and a documented exit status; -v shows the traceback.
from __future__ import annotations

import argparse
import importlib
import sys
import traceback

#: command -> (module, one-line help). Add a command here and nowhere else.
_COMMANDS = {
    "render": ("liqlab.cli.render", "write a standalone HTML page and a PNG of the heatmap"),
    "fetch": ("liqlab.cli.fetch", "fetch candles, mark price, open interest, funding into the store"),
    "import-dump": ("liqlab.cli.import_dump", "import Binance public-dump zips into the store"),
    "record": ("liqlab.cli.record", "record live liquidations into the store"),
    "store": ("liqlab.cli.store", "list what the store holds (ls) or find and move aside damage (check)"),
    "backtest": ("liqlab.cli.backtest", "run the magnet-zone backtest and write tables and a report"),
    "validate": ("liqlab.cli.validate", "score predicted against realised liquidations"),
    "import-liquidations": ("liqlab.cli.import_liquidations", "import realised liquidations (Tardis-style events, period totals) into the store"),
}

#: command -> the light module declaring its flags (add_arguments), for a command whose module
#: is slow to import; that module is imported only once the arguments parse
_FLAGS = {
    "render": "liqlab.cli.render_args",
    "backtest": "liqlab.cli.backtest_args",
    "validate": "liqlab.cli.validate_args",
    "import-liquidations": "liqlab.cli.import_liquidations_args",
}

#: exit statuses of every command
EXIT_OK = 0
EXIT_INCOMPLETE = 1    # done, but something is missing: holes left, files skipped, damage moved aside
EXIT_USAGE = 2         # bad arguments or bad input: the message says what to change
EXIT_UNREACHABLE = 3   # an exchange or host could not be reached (after the retries)
EXIT_CORRUPT = 4       # the store holds a file that cannot be read: run `liqlab store check --repair`
EXIT_FAILED = 5        # anything else (a file system error, or a bug: run with -v and report it)
EXIT_INTERRUPTED = 130

_EPILOG = f"""\
exit status (every command):
  {EXIT_OK}    done
  {EXIT_INCOMPLETE}    done but incomplete: holes the exchange did not fill, files skipped,
       damaged files moved aside (the output lists them)
  {EXIT_USAGE}    usage: bad arguments or input (the message says what to change)
  {EXIT_UNREACHABLE}    unreachable: an exchange or host could not be reached after retrying
  {EXIT_CORRUPT}    the store has a damaged file (run `liqlab store check --repair`)
  {EXIT_FAILED}    another failure (a file system error, or a bug)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)

`liqlab COMMAND --help` lists a command's options. `-v` (before the command, or a command's
own -v) prints the traceback of a failure. Guides: README.md and docs/*.md.
"""


def _classify(exc: BaseException) -> tuple[int, str]:
    """(exit status, short message) for a failure; nothing here imports ccxt or pyarrow."""
    from liqlab.data.store import StoreCorruptError  # lazy: `liqlab --help` loads no pyarrow

    ccxt = sys.modules.get("ccxt")
    gave_up = getattr(sys.modules.get("liqlab.data.exchanges.clients"), "FetchGaveUp", ())
    if isinstance(exc, StoreCorruptError):
        return EXIT_CORRUPT, str(exc)
    if gave_up and isinstance(exc, gave_up):
        return EXIT_UNREACHABLE, (f"{exc}. Check the network (or --host / $LIQLAB_EXCHANGE_HOST) "
                                  "and run the command again: what is stored is kept and the "
                                  "fetch asks only for what is missing")
    if ccxt is not None and isinstance(exc, ccxt.NetworkError) or \
            isinstance(exc, (ConnectionError, TimeoutError)):
        return EXIT_UNREACHABLE, (f"could not reach the exchange ({type(exc).__name__}: "
                                  f"{str(exc)[:300]}); check the network or --host and try again")
    if ccxt is not None and isinstance(exc, (ccxt.BadRequest, ccxt.BadSymbol)):
        return EXIT_USAGE, f"the exchange refused the request: {str(exc)[:300]}"
    if isinstance(exc, ValueError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return EXIT_FAILED, (f"file system error{where}: {exc.strerror or exc}; check the path, "
                             "its permissions and the free space")
    return EXIT_FAILED, (f"unexpected error {type(exc).__name__}: {str(exc)[:300]} (a bug in "
                         "liqlab? run again with -v for the traceback and report it)")


def _fail(name: str, exc: BaseException, verbose: bool) -> int:
    code, msg = _classify(exc)
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"liqlab {name}: error: {msg}", file=sys.stderr)
    return code


def parser() -> argparse.ArgumentParser:
    """The top-level parser (help text and the command list)."""
    p = argparse.ArgumentParser(prog="liqlab", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the traceback of a failure (and let the command log more)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, helptext) in _COMMANDS.items():
        sub.add_parser(name, help=helptext, add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = False
    while argv and argv[0] in ("-v", "--verbose"):
        verbose, argv = True, argv[1:]
    top = parser()
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in _COMMANDS:
        try:
            top.parse_args(argv)      # prints help, or the error for an unknown command
        except SystemExit as exc:
            return int(exc.code or 0)
        top.print_help()
        return EXIT_USAGE
    name = argv[0]
    try:
        flags = importlib.import_module(_FLAGS.get(name, _COMMANDS[name][0]))
        cmd = argparse.ArgumentParser(prog=f"liqlab {name}", description=_COMMANDS[name][1],
                                      epilog="exit status: see `liqlab --help`")
        flags.add_arguments(cmd)
        try:
            args = cmd.parse_args(argv[1:])
        except SystemExit as exc:     # --help (0) or a usage error (2), already printed
            return int(exc.code or 0)
        verbose = verbose or bool(getattr(args, "verbose", False))
        return int(importlib.import_module(_COMMANDS[name][0]).run(args) or 0)
    except KeyboardInterrupt:
        print(f"liqlab {name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one error boundary: every failure is a message
        return _fail(name, exc, verbose)
