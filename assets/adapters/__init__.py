"""The old name of :mod:`salesassess.landing.adapters`, kept so ``python -m assets.adapters``
works."""
