"""The old name of :mod:`salesassess.adapters`, kept so ``python -m assets.adapters`` works."""
