"""Translate the exports a sources configuration (sources.yaml) names into a canonical
landing folder (OUT/<kind>/NN_<adapter>.jsonl), and print the rows written per kind and
file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from salesassess.adapters.base import AdapterError
from salesassess.adapters.sources import load_sources, write_kind
from salesassess.environment import load_dotenv


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    parser = argparse.ArgumentParser(prog="python -m salesassess.adapters", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="the sources YAML file")
    parser.add_argument("--out", type=Path, required=True, help="the landing folder to write")
    args = parser.parse_args(argv)
    try:
        sources = load_sources(args.config)
        for kind, kind_sources in sources.items():
            for path, count in write_kind(kind, kind_sources, args.out).items():
                print(f"{kind}\t{count}\t{path}")
    except (AdapterError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
