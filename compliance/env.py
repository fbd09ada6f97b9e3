"""Reading the settings' environment: a checkout's own .env.local first (the environment wins
over it), then typed reads with defaults. Imported by settings.py and its parts."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _read_local_env(path: Path) -> None:
    """A checkout's own settings (KEY=VALUE lines), written by bin/run with DEBUG on and a random key,
    so that every manage.py command works after it. The environment wins; a deployment has no such file,
    and the tests name none (PLEDGE_LOCAL_ENV= empty, bin/test)."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


if os.environ.get("PLEDGE_LOCAL_ENV", ".env.local"):
    _read_local_env(BASE_DIR / os.environ.get("PLEDGE_LOCAL_ENV", ".env.local"))
VAR_DIR = Path(os.environ.get("PLEDGE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its files here


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


def env_list(name, default):
    value = os.environ.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else default
