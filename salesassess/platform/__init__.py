"""Where the project runs: the environment and ``.env``, YAML read safely, the one-writer lock,
and what every command line does first. Imports only the standard library and PyYAML.
"""
