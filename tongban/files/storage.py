"""Sealed storage of file contents: encrypted with the data keys, under random names, in the ``files`` storage.

The ``files`` entry of Django's ``STORAGES`` is the backend (TONGBAN_FILE_STORAGE): the local file system under
TONGBAN_DATA_DIR/files by default; an object store (django-storages) later, without changing this module. Names are
``<2 hex>/<32 hex>.bin`` from a random UUID, never from the uploaded file name. The ciphertext is bound to its name
(the encryption context), so a blob copied or swapped to another name does not decrypt.
"""

from __future__ import annotations

import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from tongban.core.crypto import decrypt_bytes, encrypt_bytes

STORAGE_ALIAS = "files"
logger = logging.getLogger(__name__)


def files_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def _context(name: str) -> str:
    return f"files.storedfile:{name}"


def sealed_save(data: bytes) -> str:
    """Encrypt and store ``data``; returns the storage name to keep in the record."""
    token = uuid.uuid4().hex
    name = f"{token[:2]}/{token}.bin"
    storage = files_storage()
    saved = storage.save(name, ContentFile(encrypt_bytes(data, context=_context(name))))
    if saved != name:  # the backend renamed it: the ciphertext is bound to the name we chose
        storage.delete(saved)
        raise RuntimeError("the files storage renamed a sealed file")
    return name


def sealed_read(name: str) -> bytes:
    with files_storage().open(name, "rb") as handle:
        blob = handle.read()
    return decrypt_bytes(blob, context=_context(name))


def sealed_delete(name: str) -> None:
    """Delete a stored blob; a failure is logged, not raised (the record is gone, the blob is unreadable garbage)."""
    try:
        files_storage().delete(name)
    except OSError:
        logger.exception("could not delete stored file %s", name)
