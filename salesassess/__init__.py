"""The assessment method as a library: calendar, rubrics, landing contract and adapters,
quality suites, the automated scorer, statistics and the warehouse file.

The domain layer: nothing here imports Dagster, :mod:`assets` or :mod:`orchestration`
(tests/platform/test_layers.py checks it). The Dagster assets (:mod:`assets`) and the definitions,
jobs, schedules and command lines (:mod:`orchestration`) are built on top of it.
"""
