"""Settings for the test suite: the normal settings with a development secret and fast hashing."""

import os

os.environ.setdefault("TONGBAN_DEBUG", "1")

from tongban.conf.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_MODE = False
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405  (test-only models, tests/testapp)

# oidc: temporary until settings.py lists it
from tongban.oidc.conf import oauth2_provider_settings, signing_key  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider", "tongban.oidc"]  # oidc: temporary until settings.py lists it
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"  # oidc: temporary until settings.py lists it
OAUTH2_PROVIDER = oauth2_provider_settings(  # oidc: temporary until settings.py lists it
    private_key=signing_key("", data_dir=DATA_DIR, debug=True))  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tongban.organizations"]  # organizations: temporary until settings.py lists it
INSTALLED_APPS = [*INSTALLED_APPS, "tongban.realname"]  # realname: temporary until settings.py lists it
