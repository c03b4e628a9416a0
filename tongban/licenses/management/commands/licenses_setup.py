"""Set up the licences app's trust anchors: the platform root CA and the Ed25519 signing keys (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongban.licenses import keys, pki


class Command(BaseCommand):
    help = ("Create the platform root CA (根证书) and the platform signing keys (亮证二维码, 电子档案清单) when they are "
            "missing. Safe to run again. --new-root and --rotate-key replace the active ones; old roots and keys stay "
            "trusted and published.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-root", action="store_true",
                            help="create a new root CA and make it the active one (the old one stays trusted)")
        parser.add_argument("--rotate-key", action="append", default=[], metavar="PURPOSE",
                            choices=sorted(keys.PURPOSES), help="make a new active signing key for this purpose")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_root"]:
            ca = pki.ca_create()
            self.stdout.write(f"新根证书：{ca.name}（SHA-256 {ca.fingerprint_sha256}）")
        else:
            existing = pki.ca_active()
            ca = existing or pki.ca_ensure()
            state = "已有" if existing else "已创建"
            self.stdout.write(f"根证书{state}：{ca.name}（SHA-256 {ca.fingerprint_sha256}，有效期至 "
                              f"{ca.not_after:%Y-%m-%d}）")
        for purpose in sorted(keys.PURPOSES):
            if purpose in options["rotate_key"]:
                kid = keys.signing_key_rotate(purpose=purpose)
                self.stdout.write(f"签名密钥 {purpose}：已轮换，新密钥 {kid}")
            else:
                kid = keys.signing_key_ensure(purpose=purpose)
                self.stdout.write(f"签名密钥 {purpose}：{kid}")
