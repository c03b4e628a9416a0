"""Independent validators of sealed PDFs for tests: poppler's ``pdfsig`` (NSS) trusting only the given roots."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")


def nss_trusting(root_pem: str, directory: Path) -> Path | None:
    """An NSS database in ``directory`` that trusts ``root_pem`` (one or more PEM certificates) for signing, made
    with certutil (libnss3-tools); None when certutil is missing."""
    if CERTUTIL is None:
        return None
    nss = directory / "nss"
    nss.mkdir(parents=True)
    subprocess.run([CERTUTIL, "-N", "--empty-password", "-d", f"sql:{nss}"], check=True, capture_output=True,
                   timeout=60)
    begin = "-----BEGIN CERTIFICATE-----"
    for n, body in enumerate(part for part in root_pem.split(begin) if part.strip()):
        pem = directory / f"root-{n}.pem"
        pem.write_text(begin + body)
        subprocess.run([CERTUTIL, "-A", "-n", f"tongban-root-{n}", "-t", "C,C,C", "-i", str(pem), "-d", f"sql:{nss}"],
                       check=True, capture_output=True, timeout=60)
    return nss


def pdfsig(path: Path, nss: Path | None) -> str:
    """pdfsig's report of ``path`` (stdout and stderr)."""
    assert PDFSIG is not None, "poppler's pdfsig is not installed (apt-get install poppler-utils)"
    command = [PDFSIG, *(["-nssdir", f"sql:{nss}"] if nss else []), str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr
