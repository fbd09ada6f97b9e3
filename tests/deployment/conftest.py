# A quarter lived through and its supervisory group, for the backup's installation (tests/oversight/conftest.py).
from tests.oversight.conftest import group, quarter  # noqa: F401
