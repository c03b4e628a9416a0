"""Region-scoped real-name review (分区域审核) and photos stored without metadata."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import ExifTags, Image, PngImagePlugin

from tests.factories import DepartmentFactory, RegionFactory, make_staff
from tests.realname.conftest import NAME, REVIEWER_ROLE, register, upload
from tongban.core.errors import NotFound
from tongban.core.models import AuditEvent
from tongban.directory.selectors import region_route_code
from tongban.identity import services as identity_services
from tongban.realname import selectors, services
from tongban.realname.models import CorrectionRequest, ManualReview
from tongban.realname.reviewers import reviewer_for_user
from tongban.realname.storage import CheckedImage, image_strip_metadata

pytestmark = pytest.mark.django_db
BASE = "/account/realname/"

SHILIN_ID = "530126199001010010"  # 石林彝族自治县
WUHUA_ID = "530102198808080057"  # 五华区: not in the test directory, so 昆明市
OLD_CHENGGONG_ID = "530121198002020046"  # 呈贡县, a code that no longer exists: 昆明市
QUJING_ID = "530302199211110036"  # 曲靖市麒麟区: 曲靖市
BEIJING_ID = "110101198506150027"  # outside Yunnan: the province


@pytest.fixture
def reviewers(regions: dict[str, Any]) -> dict[str, Any]:
    return {level: make_staff(DepartmentFactory(region=regions[level], category="zwfw"), REVIEWER_ROLE)
            for level in ("province", "kunming", "county", "qujing")}


def _submit(phone: str, id_number: str) -> int:
    return services.manual_review_submit(user=register(phone), name=NAME, id_number=id_number, id_front=upload(),
                                         id_back=upload(), handheld=upload())


def test_route_code_is_the_deepest_known_region(regions) -> None:
    assert region_route_code(code="530126") == "530126"
    assert region_route_code(code="530102") == "530100"
    assert region_route_code(code="530121") == "530100"
    assert region_route_code(code="530302") == "530300"
    assert region_route_code(code="110101") == "530000"
    assert region_route_code(code="53") == "530000"
    assert region_route_code(code="５３０１２６") == "530000", "full-width digits are not a code"


def test_requests_are_routed_by_household_registration(regions, reviewers) -> None:
    ids = {
        "shilin": _submit("13900000011", SHILIN_ID), "wuhua": _submit("13900000012", WUHUA_ID),
        "chenggong": _submit("13900000013", OLD_CHENGGONG_ID), "qujing": _submit("13900000014", QUJING_ID),
        "beijing": _submit("13900000015", BEIJING_ID),
    }
    assert dict(ManualReview.objects.values_list("pk", "region_code")) == {
        ids["shilin"]: "530126", ids["wuhua"]: "530100", ids["chenggong"]: "530100", ids["qujing"]: "530300",
        ids["beijing"]: "530000"}

    def queue(level: str) -> set[int]:
        reviewer = reviewer_for_user(reviewers[level])
        assert reviewer is not None
        return set(selectors.manual_review_list_for_reviewer(reviewer=reviewer).values_list("pk", flat=True))

    assert queue("province") == set(ids.values())
    assert queue("kunming") == {ids["shilin"], ids["wuhua"], ids["chenggong"]}
    assert queue("county") == {ids["shilin"]}
    assert queue("qujing") == {ids["qujing"]}


def test_a_reviewer_at_a_township_sees_nothing(regions) -> None:
    township = RegionFactory(code="530126100000", name="鹿阜街道", level=4, parent=regions["county"])
    reviewer = reviewer_for_user(make_staff(DepartmentFactory(region=township, category="zwfw"), REVIEWER_ROLE))
    _submit("13900000016", SHILIN_ID)
    assert reviewer is not None and not selectors.manual_review_list_for_reviewer(reviewer=reviewer).exists()


def test_out_of_region_request_answers_404_and_is_audited(regions, reviewers) -> None:
    review_id = _submit("13900000021", QUJING_ID)
    county = reviewers["county"]
    client = Client()
    client.force_login(county)
    missing = client.get(f"{BASE}review/999999/")
    hidden = client.get(f"{BASE}review/{review_id}/")
    assert missing.status_code == hidden.status_code == 404, "the answer must not reveal that it exists"
    assert client.get(f"{BASE}review/{review_id}/image/front/").status_code == 404
    assert f"review/{review_id}/" not in client.get(BASE + "review/").content.decode()
    with pytest.raises(NotFound):
        services.manual_review_approve(user=county, review_id=review_id)
    with pytest.raises(NotFound):
        services.manual_review_reject(user=county, review_id=review_id, reason="照片模糊")
    denied = AuditEvent.objects.filter(outcome="denied", actor_type="staff", object_id=str(review_id))
    assert set(denied.values_list("action", flat=True)) == {
        "realname.manual_review.view", "realname.manual_review.image_view", "realname.manual_review.approve",
        "realname.manual_review.reject"}
    assert ManualReview.objects.get(pk=review_id).status == "pending"
    # The reviewer of 曲靖 decides it.
    services.manual_review_approve(user=reviewers["qujing"], review_id=review_id)
    assert ManualReview.objects.get(pk=review_id).status == "approved"


def test_correction_requests_follow_the_verified_id_number(regions, reviewers) -> None:
    person = register("13900000031")
    identity_services.person_assurance_raise(user_id=person.pk, level=2, method="population", provider="test",
                                             name=NAME, id_number=SHILIN_ID)
    request_id = services.correction_request_submit(user=person, name=NAME, id_number=QUJING_ID,
                                                    reason="身份证号登记错误", evidence=upload())
    assert CorrectionRequest.objects.get(pk=request_id).region_code == "530126"
    county = reviewer_for_user(reviewers["county"])
    qujing = reviewer_for_user(reviewers["qujing"])
    assert county is not None and qujing is not None
    assert [c.pk for c in selectors.correction_request_list_for_reviewer(reviewer=county)] == [request_id]
    assert not selectors.correction_request_list_for_reviewer(reviewer=qujing).exists()
    with pytest.raises(NotFound):
        services.correction_request_image_read(user=reviewers["qujing"], request_id=request_id)
    with pytest.raises(NotFound):
        services.correction_request_approve(user=reviewers["qujing"], request_id=request_id)
    client = Client()
    client.force_login(reviewers["qujing"])
    assert client.get(f"{BASE}corrections/{request_id}/").status_code == 404
    assert AuditEvent.objects.filter(action="realname.correction.approve", outcome="denied").count() == 1
    services.correction_request_approve(user=reviewers["county"], request_id=request_id)


# ------------------------------------------------------------------ metadata


GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (24.0, 46.0, 12.0),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (103.0, 16.0, 30.0)}


def _photo_with_gps(kind: str = "JPEG") -> bytes:
    """A landscape photo taken with the phone turned (orientation 6: display rotated 90°), with a GPS position."""
    image = Image.new("RGB", (80, 40), (30, 120, 200))
    for x in range(40):
        image.putpixel((x, 0), (255, 0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = GPS
    buffer = io.BytesIO()
    if kind == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "拍摄于石林县鹿阜街道")
        image.save(buffer, format="PNG", exif=exif.tobytes(), pnginfo=text)
    else:
        image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"shot at 24.77N 103.27E")
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries what the test removes
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def _assert_clean(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif(), "no EXIF at all: orientation, camera and GPS are gone"
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "comment", "Comment", "icc_profile", "xmp"} & set(image.info)
        assert image.size == (40, 80), "the orientation is applied to the pixels, so the photo stays upright"
    assert b"PhoneMaker" not in data and b"24.77N" not in data


def test_gps_exif_is_gone_after_a_round_trip(regions, reviewers) -> None:
    user = register("13900000041")
    review_id = services.manual_review_submit(
        user=user, name=NAME, id_number=SHILIN_ID, id_front=upload(_photo_with_gps()),
        id_back=upload(_photo_with_gps("PNG"), "back.png", "image/png"), handheld=upload(_photo_with_gps()))
    for kind, content_type in (("front", "image/jpeg"), ("back", "image/png"), ("handheld", "image/jpeg")):
        image = services.manual_review_image_read(user=reviewers["county"], review_id=review_id, kind=kind)
        assert image.content_type == content_type
        _assert_clean(image.data)


def test_strip_keeps_png_transparency() -> None:
    image = Image.new("P", (10, 10), 1)
    image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0)
    clean = image_strip_metadata(CheckedImage(data=buffer.getvalue(), content_type="image/png"))
    with Image.open(io.BytesIO(clean.data)) as reopened:
        assert reopened.info.get("transparency") == 0
