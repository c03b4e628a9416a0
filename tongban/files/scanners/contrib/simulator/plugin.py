"""本地病毒扫描模拟器: finds only the EICAR test string, the standard harmless file every antivirus reports as a
virus, anywhere in an upload. For development, tests and the demo (TONGBAN_FILE_SCANNER=simulator); refused
elsewhere by the settings."""

from __future__ import annotations

from tongban.files.scanners.base import FileScanner, ScanResult

# Built from two halves so that this source file is not itself reported by an antivirus on a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Eicar-Test-Signature"


class SimulatedScanner(FileScanner):
    name = "simulator"

    def scan(self, data: bytes) -> ScanResult:
        if EICAR in data:
            return ScanResult(clean=False, signature=SIGNATURE)
        return ScanResult(clean=True)
