"""Options shared by every test folder."""


def pytest_addoption(parser):
    parser.addoption("--servers", action="store_true",
                     help="run the desk's tests on PostgreSQL and redis-server (scripts/servers.py) "
                          "instead of SQLite and the embedded Redis")
