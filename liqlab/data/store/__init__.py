"""The local store: canonical frames as Parquet files on disk, crash-safe and upsert-only.

Layout (hive-style, so pyarrow, dask or duckdb can read it directly)::

    <root>/exchange=<ex>/symbol=<SYM>/dataset=<kind>/timeframe=<tf>/<bucket>.parquet

One file per calendar **month** (``2025-10.parquet``) for timeframes under one hour and for
``raw`` (event) data, one file per calendar **year** (``2025.parquet``) for 1h and longer,
bucketed by each row's UTC timestamp. A row never moves between files, so an upsert
rewrites only the files its rows fall into.

Guarantees
----------
* **Names are validated before they become paths**: ``exchange`` matches
  ``[a-z][a-z0-9_]{0,31}``, ``symbol`` ``[A-Z0-9][A-Z0-9_-]{0,39}`` (the exchange's own
  market id, e.g. ``BTCUSDT``, ``BTC-USDT-SWAP``; a ccxt unified symbol is refused),
  ``kind`` is one of :data:`liqlab.data.schema.KINDS`, ``timeframe`` one of :data:`TIMEFRAMES`
  (liquidations are ``raw``; candles and mark need a bar timeframe). No ``..``, ``/``, NUL
  or absolute path can get through.
* **Atomic files**: each file is written to ``.tmp-*`` in the same directory, flushed and
  fsync'ed, then ``os.replace``'d over the old one, and the directory is fsync'ed. A crash
  or SIGKILL at any moment leaves every data file either its old or its new version;
  readers ignore ``.tmp-*`` files and the next writer of the partition deletes them.
* **Several files per upsert**: all temporary files are written first, then renamed one
  by one. A crash between two renames leaves some files new and some old: each file is
  consistent, every row committed before the interrupted write is still readable (rows
  only ever stay in their own file), and part of the interrupted batch may be visible.
  When :meth:`Store.write` returns, the whole batch is durable.
* **No interleaving writers**: a writer holds an exclusive ``fcntl.flock`` on
  ``<partition>/.lock`` across read-merge-write, so concurrent upserts to one partition
  (threads or processes on one machine, local file system) never lose each other's rows.
  Readers take no lock: they only ever see whole files.

Upsert semantics: new rows win on equal timestamps; for ``liquidations`` (whose index may
repeat) rows are de-duplicated on the full row (time and every column), as in
:func:`liqlab.data.schema.clean`. Timestamps come back as ``datetime64[ns, UTC]``, numeric
columns as float64. The frame's scalar ``attrs`` (e.g. ``contract_size``) are stored in
each file it writes; :meth:`Store.read` returns those of the newest file read, with
exchange, symbol, timeframe and kind set from the partition.

To remove a partition, delete its directory (``shutil.rmtree(store.partition_path(...))``).
"""
from liqlab.data.store._names import TIMEFRAMES
from liqlab.data.store._store import Store, WriteReport

__all__ = ["Store", "WriteReport", "TIMEFRAMES"]
