"""Materials in an S3-compatible object store (django-storages' S3 backend), against moto's in-process S3."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.files.conftest import pdf, upload
from tongban.files.services import file_read, file_store_generated

BUCKET = "tongban-materials"


@pytest.fixture
def s3_files(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="cn-north-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        # The options tongban.conf.settings builds for TONGBAN_FILE_STORAGE=storages.backends.s3.S3Storage.
        settings.STORAGES = {**settings.STORAGES, "files": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "region_name": "cn-north-1", "default_acl": "private", "file_overwrite": False,
            "querystring_auth": True, "location": "files"}}}
        yield client


@pytest.mark.django_db
def test_a_generated_document_is_stored_encrypted_in_the_bucket_and_read_back(s3_files: Any) -> None:
    data = b"%PDF-1.7\n" + "受理通知书".encode() * 50
    info = file_store_generated(owner_user_id=0, data=data, kind="pdf", display_name="受理通知书.pdf",
                                purpose="case_document")
    objects = s3_files.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert len(objects) == 1 and objects[0]["Key"].startswith("files/")
    stored = s3_files.get_object(Bucket=BUCKET, Key=objects[0]["Key"])["Body"].read()
    assert "受理通知书".encode() not in stored and not stored.startswith(b"%PDF")  # only ciphertext in the bucket
    assert file_read(file_id=info.id)[1] == data


@pytest.mark.django_db
def test_an_upload_goes_to_the_bucket(s3_files: Any) -> None:
    from tests.factories import UserFactory
    from tongban.files.services import file_store

    user = UserFactory()
    info = file_store(owner_user_id=user.pk, upload=upload(pdf(), "说明.pdf"), purpose="case_material")
    assert s3_files.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1
    assert file_read(file_id=info.id)[1] == pdf()
