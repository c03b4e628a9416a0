"""The real-name pages: work without JavaScript; reviewer pages only for reviewers."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.realname.conftest import (
    ID_NUMBER,
    NAME,
    WRONG_CHECK_ID,
    not_an_image,
    person_of,
    picture,
    same_pixels,
    upload,
)
from tongban.core.models import AuditEvent
from tongban.identity.interface import AssuranceLevel
from tongban.realname import services
from tongban.realname.models import CorrectionRequest, ManualReview, ReviewStatus

pytestmark = [pytest.mark.django_db]
BASE = "/account/realname/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_route_page_shows_level_and_routes(person) -> None:
    page = client_for(person).get(BASE)
    text = page.content.decode()
    assert page.status_code == 200
    assert "注册用户" in text and "银行卡四要素核验" in text and "人工审核" in text and "本地核验模拟器" in text


def test_anonymous_is_sent_to_login() -> None:
    assert Client().get(BASE + "population/").status_code == 302
    assert Client().get(BASE + "review/").status_code == 302


def test_population_form_verifies(person) -> None:
    client = client_for(person)
    bad = client.post(BASE + "population/", {"name": NAME, "id_number": WRONG_CHECK_ID})
    assert bad.status_code == 200 and "校验位" in bad.content.decode()
    ok = client.post(BASE + "population/", {"name": NAME, "id_number": ID_NUMBER}, follow=True)
    assert "核验通过" in ok.content.decode()
    assert person_of(person).assurance_level == AssuranceLevel.ID_CHECKED


def test_a_step_up_returns_where_it_was_asked(person) -> None:
    client = client_for(person)
    back = "/oidc/authorize/?client_id=abc&acr_values=tongban:loa:2"
    routes = client.get(BASE, {"next": back}).content.decode()
    assert "完成核验后将自动返回" in routes and "population/?next=/oidc/authorize/%3Fclient_id%3Dabc" in routes
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in client.get(BASE + "population/",
                                                                          {"next": back}).content.decode()
    done = client.post(BASE + "population/", {"name": NAME, "id_number": ID_NUMBER, "next": back})
    assert done.status_code == 302 and done["Location"] == back
    elsewhere = client.post(BASE + "bankcard/", {"name": NAME, "id_number": ID_NUMBER, "card_number": "x",
                                                 "bank_phone": "13800000000", "next": "https://evil.example/"})
    assert elsewhere.status_code in (200, 302) and "evil" not in elsewhere.get("Location", "")


def test_face_form_asks_for_the_camera(person) -> None:
    text = client_for(person).get(BASE + "face/").content.decode()
    assert 'accept="image/*"' in text and 'capture="user"' in text and 'enctype="multipart/form-data"' in text


def test_manual_upload_refuses_a_text_file_named_jpg(person) -> None:
    response = client_for(person).post(BASE + "manual/", {
        "name": NAME, "id_number": ID_NUMBER, "id_front": not_an_image(), "id_back": upload(),
        "handheld": upload()})
    assert response.status_code == 200 and "不是有效的JPG或PNG图片" in response.content.decode()
    assert ManualReview.objects.count() == 0


def test_queue_and_images_only_for_reviewers(person, plain_staff, reviewer) -> None:
    client_for(person).post(BASE + "manual/", {
        "name": NAME, "id_number": ID_NUMBER, "id_front": upload(), "id_back": upload(), "handheld": upload()})
    review = ManualReview.objects.get()
    for user in (person, plain_staff):
        client = client_for(user)
        assert client.get(BASE + "review/").status_code == 403
        assert client.get(f"{BASE}review/{review.pk}/").status_code == 403
        assert client.get(f"{BASE}review/{review.pk}/image/front/").status_code == 403
    assert AuditEvent.objects.filter(action="realname.manual_review.image_view", outcome="denied").count() == 2
    assert AuditEvent.objects.filter(action="realname.manual_review.queue", outcome="denied").count() == 2
    client = client_for(reviewer)
    queue = client.get(BASE + "review/")
    assert queue.status_code == 200 and f"{BASE}review/{review.pk}/" in queue.content.decode()
    detail = client.get(f"{BASE}review/{review.pk}/")
    assert detail.status_code == 200 and ID_NUMBER in detail.content.decode()
    image = client.get(f"{BASE}review/{review.pk}/image/handheld/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and same_pixels(image.content, picture())
    assert image["Cache-Control"] == "no-store, private"
    assert client.get(f"{BASE}review/{review.pk}/image/passport/").status_code == 404
    assert AuditEvent.objects.filter(action="realname.manual_review.image_view", outcome="success").count() == 1


def test_reject_needs_a_reason_and_a_confirmation(person, reviewer) -> None:
    review_id = services.manual_review_submit(user=person, name=NAME, id_number=ID_NUMBER, id_front=upload(),
                                              id_back=upload(), handheld=upload())
    client = client_for(reviewer)
    url = f"{BASE}review/{review_id}/"
    no_reason = client.post(url, {"action": "reject", "reason": ""})
    assert no_reason.status_code == 200 and ManualReview.objects.get().status == ReviewStatus.PENDING
    confirm = client.post(url, {"action": "reject", "reason": "照片模糊"})
    assert "确认退回" in confirm.content.decode() and ManualReview.objects.get().status == ReviewStatus.PENDING
    done = client.post(url, {"action": "reject", "reason": "照片模糊", "confirm": "yes"})
    assert done.status_code == 302
    assert ManualReview.objects.get().status == ReviewStatus.REJECTED


def test_approve_with_confirmation(person, reviewer) -> None:
    review_id = services.manual_review_submit(user=person, name=NAME, id_number=ID_NUMBER, id_front=upload(),
                                              id_back=upload(), handheld=upload())
    client = client_for(reviewer)
    url = f"{BASE}review/{review_id}/"
    assert "确认通过" in client.post(url, {"action": "approve"}).content.decode()
    assert client.post(url, {"action": "approve", "confirm": "yes"}).status_code == 302
    assert person_of(person).assurance_level == AssuranceLevel.STRONG
    assert "审核结果" in client.get(url).content.decode()


def test_my_requests_and_correction_pages(person, reviewer) -> None:
    client = client_for(person)
    client.post(BASE + "population/", {"name": NAME, "id_number": ID_NUMBER})
    response = client.post(BASE + "correction/", {"name": "张叁", "id_number": ID_NUMBER, "reason": "户籍已变更",
                                                  "evidence": upload()}, follow=True)
    assert "纠错申请已提交" in response.content.decode()
    mine = client.get(BASE + "mine/").content.decode()
    assert "待审核" in mine and "核验通过" in mine
    staff = client_for(reviewer)
    queue = staff.get(BASE + "corrections/")
    assert queue.status_code == 200
    item = CorrectionRequest.objects.get()
    assert f"{BASE}corrections/{item.pk}/" in queue.content.decode()
    detail = staff.get(f"{BASE}corrections/{item.pk}/")
    assert detail.status_code == 200 and "张叁" in detail.content.decode()
    assert client.get(BASE + "corrections/").status_code == 403
