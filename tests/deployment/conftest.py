# The supervisory group of a platform, for the backup's sealed quarter (tests/oversight/conftest.py).
from tests.oversight.conftest import group  # noqa: F401
