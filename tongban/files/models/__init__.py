from tongban.files.models.stored_file import FileKind, ScanStatus, StoredFile

__all__ = ["FileKind", "ScanStatus", "StoredFile"]
