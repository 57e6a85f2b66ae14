"""``python -m npdeep ...`` runs the ``npdeep`` command (the same as the console script)."""
import sys

from npdeep.cli import main

if __name__ == "__main__":
    sys.exit(main())
