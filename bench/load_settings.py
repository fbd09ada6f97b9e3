"""The production settings, plus the bench's URLconf (a bare view beside the real URLs):
bench/load.py serves the app with these so the production URLs stay as they are."""

from compliance.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
