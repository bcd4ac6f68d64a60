"""``python -m orchestration.dbt_cli``: the old name of ``python -m salesassess.engines.dbt_cli``
(kept for one release; docs/moved_modules.md lists the modules that moved)."""

import sys

from salesassess.engines.dbt_cli import main

if __name__ == "__main__":
    sys.exit(main())
