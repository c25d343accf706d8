"""What the tests (and bench/) share besides fixtures: the fake Telegram Bot API, simulated residents, a throwaway
PostgreSQL server, test configurations, the real bot and its processes, the command runner, console interviews,
database counts and PDF text. Fixtures themselves stay in tests/conftest.py."""
