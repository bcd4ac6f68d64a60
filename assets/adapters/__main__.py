"""``python -m assets.adapters``: the old name of ``python -m salesassess.landing.adapters``."""

import sys

from salesassess.landing.adapters.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
