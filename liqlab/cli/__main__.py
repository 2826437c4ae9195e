"""``python -m liqlab.cli ...`` is the ``liqlab`` command."""
import sys

from liqlab.cli import main

sys.exit(main())
