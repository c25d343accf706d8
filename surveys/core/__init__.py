"""The pure core: the survey model, values, XPath, the engine, rendering, disclosure control and privacy.

No I/O here: no database, no network, no platform, no files of ours (an import-linter contract in pyproject.toml,
checked by tests/test_architecture.py, keeps it so)."""
