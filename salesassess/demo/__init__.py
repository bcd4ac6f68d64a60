"""The demo data generator's parts; the entry point is :mod:`salesassess.demo_data`."""
