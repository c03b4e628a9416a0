"""不扫描: stores files without a virus scan, marked ``pending``. A production choice made explicitly
(TONGBAN_FILE_SCANNER=none), e.g. where a gateway scans uploads before they reach the platform."""

from __future__ import annotations

from tongban.files.scanners.base import FileScanner, ScanResult


class NoScanner(FileScanner):
    name = "none"
    scans = False

    def scan(self, data: bytes) -> ScanResult:
        return ScanResult(clean=True)
