"""Run the whole test suite: on SQLite always, and on PostgreSQL as well when
a server can be started here (see tests/pg.py). Used by `make test`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import pytest

    from tests import pg

    args = sys.argv[1:] or ["tests"]
    server = None
    if not os.environ.get("TRACKER_TEST_PG"):
        server = pg.start_server()
        if server:
            os.environ["TRACKER_TEST_PG"] = server.url
            print(f"PostgreSQL {server.version} started for the tests at {server.safe_url}", flush=True)
        else:
            print("PostgreSQL is not installed here: running the database tests on SQLite only", flush=True)
    try:
        return pytest.main(["-p", "no:cacheprovider", *args])
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
