"""``python -m npdeep.cli``: the ``npdeep`` command (as ``python -m npdeep``)."""
import sys

from npdeep.cli.parser import main

if __name__ == "__main__":
    sys.exit(main())
