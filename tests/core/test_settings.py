import os
import subprocess
import sys


def _settings_load(**env: str) -> subprocess.CompletedProcess[str]:
    child = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_") and k != "DATABASE_URL"}
    child.update(env)
    return subprocess.run([sys.executable, "-c", "import tongban.conf.settings"], env=child, capture_output=True,
                          text=True, timeout=60)


def test_production_refuses_missing_keys_and_simulators():
    no_secret = _settings_load(TONGBAN_DEBUG="0")
    assert no_secret.returncode != 0 and "TONGBAN_SECRET_KEY" in no_secret.stderr
    no_keys = _settings_load(TONGBAN_DEBUG="0", TONGBAN_SECRET_KEY="x" * 50)
    assert no_keys.returncode != 0 and "TONGBAN_DATA_KEYS" in no_keys.stderr
    simulators = _settings_load(TONGBAN_DEBUG="0", TONGBAN_SECRET_KEY="x" * 50, TONGBAN_ALLOW_DERIVED_KEYS="1")
    assert simulators.returncode != 0 and "TONGBAN_SMS_PROVIDER" in simulators.stderr


def test_the_demo_may_use_simulators_and_derived_keys(tmp_path):
    demo = _settings_load(TONGBAN_DEBUG="0", TONGBAN_SECRET_KEY="x" * 50, TONGBAN_ALLOW_DERIVED_KEYS="1",
                          TONGBAN_DEMO="1", TONGBAN_DATA_DIR=str(tmp_path))
    assert demo.returncode == 0, demo.stderr
