"""Stored files (材料文件): uploads typed by content, size-limited, scanned, encrypted at rest, never named by the uploader."""
