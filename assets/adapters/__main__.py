"""``python -m assets.adapters``: the old name of ``python -m salesassess.adapters``."""

import sys

from salesassess.adapters.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
