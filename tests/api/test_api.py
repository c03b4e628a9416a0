import json
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import DepartmentFactory, published_implementation, published_item
from tongban.api.urls import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(regions):
    item = published_item(name="普通护照签发", basic_code="010010020000", keywords=["办护照"])
    impl = published_implementation(item, DepartmentFactory(region=regions["province"]))
    return {"item": item, "impl": impl}


def test_items_list_detail_and_pagination(client, catalogue):
    body = client.get("/api/v1/items?limit=1").json()
    assert body["count"] == 1 and body["items"][0]["code"] == "010010020000"
    detail = client.get("/api/v1/items/010010020000").json()
    assert detail["name"] == "普通护照签发" and detail["materials"][0]["name"] == "出生医学证明"
    assert detail["legal_limit"] == {"value": 20, "unit": "working_day", "note": ""}


def test_implementation_has_31_character_code(client, catalogue):
    body = client.get("/api/v1/implementations?item=010010020000").json()
    assert body["items"][0]["code"] == catalogue["impl"].code and len(catalogue["impl"].code) == 31
    assert client.get(f"/api/v1/implementations/{catalogue['impl'].code}").status_code == 200


def test_search_returns_ranked_items_with_code_and_name(client, catalogue):
    body = client.get("/api/v1/search", {"q": "办护照"}).json()
    assert body["items"][0] == {"code": "010010020000", "name": "普通护照签发", "score": body["items"][0]["score"]}


def test_errors_are_structured_with_stable_codes(client, catalogue):
    missing = client.get("/api/v1/items/000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/search", {"q": "x", "limit": 999})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "validation_failed" and error["issues"][0]["field"] == "limit"
    assert client.get("/api/v1/items", {"region": "000"}).json()["error"]["code"] == "not_found"


def test_empty_search_is_not_an_error(client, catalogue):
    body = client.get("/api/v1/search", {"q": ""}).json()
    assert body["total"] == 0 and body["items"] == []


def test_committed_openapi_matches_the_code():
    committed = json.loads((Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


def test_list_endpoints_read_only_the_requested_page(client, regions, django_assert_max_num_queries):
    item = published_item(name="普通护照签发", basic_code="010010020000")
    province = DepartmentFactory(region=regions["province"])
    for n in range(12):
        published_implementation(published_item(name=f"事项{n}"), province)
    published_implementation(item, DepartmentFactory(region=regions["county"]))
    with django_assert_max_num_queries(2):  # count + one page with its joins, however many rows exist
        body = client.get("/api/v1/implementations", {"limit": 5}).json()
    assert body["count"] == 13 and len(body["items"]) == 5
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/items", {"limit": 5}).json()["items"]) == 5
