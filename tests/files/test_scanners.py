"""The scan hook: plugins by name, the EICAR simulator, and production refusing the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.files.conftest import EICAR
from tongban.files.scanners.base import ScanResult
from tongban.files.scanners.registry import file_scanner


def test_the_simulator_finds_eicar_anywhere_and_nothing_else(settings: Any) -> None:
    settings.FILE_SCANNER = "simulator"
    scanner = file_scanner()
    assert scanner.scan(EICAR) == ScanResult(clean=False, signature="Eicar-Test-Signature")
    assert not scanner.scan(b"%PDF-1.7 " + EICAR + b" %%EOF").clean
    assert scanner.scan(b"%PDF-1.7 EICAR %%EOF") == ScanResult(clean=True)


def test_none_scans_nothing(settings: Any) -> None:
    settings.FILE_SCANNER = "none"
    scanner = file_scanner()
    assert scanner.scan(EICAR).clean and scanner.scans is False


def test_an_unknown_scanner_is_a_configuration_error(settings: Any) -> None:
    settings.FILE_SCANNER = "clamav-not-registered"
    with pytest.raises(RuntimeError, match="unknown file scanner"):
        file_scanner()


def _load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    child = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_") and k != "DATABASE_URL"}
    child.update(TONGBAN_DEBUG="0", TONGBAN_SECRET_KEY="x" * 50, TONGBAN_ALLOW_DERIVED_KEYS="1",
                 TONGBAN_DATA_DIR=str(tmp_path), TONGBAN_SMS_PROVIDER="carrier",
                 TONGBAN_ENTERPRISE_REGISTRY_PROVIDER="registry", TONGBAN_REALNAME_POPULATION_PROVIDER="police",
                 TONGBAN_REALNAME_BANKCARD_PROVIDER="bank", TONGBAN_REALNAME_FACE_PROVIDER="face", **env)
    return subprocess.run([sys.executable, "-c", "import tongban.conf.settings"], env=child, capture_output=True,
                          text=True, timeout=60)


def test_production_must_choose_a_scanner_explicitly(tmp_path: Path) -> None:
    default = _load_settings(tmp_path)
    assert default.returncode != 0 and "TONGBAN_FILE_SCANNER" in default.stderr
    chosen = _load_settings(tmp_path, TONGBAN_FILE_SCANNER="none")
    assert chosen.returncode == 0, chosen.stderr
