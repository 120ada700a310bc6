"""What the benchmarks share: a PostgreSQL database made afresh for each run, and percentiles.

The scripts are run as ``python bench/<name>.py``, so this folder is first on ``sys.path`` and they import it as
``benchlib``.
"""

import sys
from pathlib import Path


def fresh_database(url: str) -> None:
    """Drop and create the database named in ``url`` (PostgreSQL only: the figures are PostgreSQL's)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    script = Path(sys.argv[0]).name
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit(f"bench/{script} measures PostgreSQL: set DATABASE_URL=postgres://…")
    dsn = f"host={config['HOST'] or '127.0.0.1'} port={config['PORT'] or 5432} user={config['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{config["NAME"]}"')


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)]
