"""Settings for the test suite: the normal settings with a development secret and fast hashing."""

import os

os.environ.setdefault("TONGBAN_DEBUG", "1")

from tongban.conf.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_MODE = False
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405  (test-only models, tests/testapp)
