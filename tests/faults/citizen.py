"""A demo citizen using the applicant's API over HTTP, and the outbox rows of their case (shared by the fault tests)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.faults.conftest import Reply, Stack, http

CITIZEN = "13800000002"  # 王晓明, a demo citizen with a verified identity
PASSWORD = "Demo@Tongban2026"
ITEM_GUIDE = "/items/200010006000/"  # 无犯罪记录证明开具
IMPLEMENTATION = "11530126037188019D4200010006000"  # …in 石林彝族自治县 (公安局)
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class Citizen:
    """The applicant's API (/api/v1/applicant/) with a bearer token, as the mobile app uses it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""
        self.submission_seconds: list[float] = []  # how long each submission request took

    def call(self, method: str, path: str, data: Any = None, **headers: str) -> Reply:
        body = json.dumps(data).encode() if data is not None else None
        headers = {"Content-Type": "application/json", **headers} if body is not None else dict(headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return http(method, f"{self.base}/api/v1{path}", body=body, headers=headers)

    def sign_in(self) -> None:
        reply = self.call("POST", "/identity/sessions", {"identifier": CITIZEN, "password": PASSWORD, "captcha": ""})
        assert reply.status == 201, reply.body[:500]
        self.token = reply.json()["token"]

    def upload(self, draft_id: int, material: str) -> Reply:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"material_name\"\r\n\r\n{material}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"id.pdf\"\r\n"
                "Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
        return http("POST", f"{self.base}/api/v1/applicant/drafts/{draft_id}/attachments", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {self.token}"})

    def submit_a_case(self) -> int:
        draft = self.call("POST", "/applicant/drafts", {"implementation_code": IMPLEMENTATION})
        assert draft.status == 200, draft.body[:500]
        draft_id = draft.json()["id"]
        saved = self.call("PATCH", f"/applicant/drafts/{draft_id}", {"data": {
            "purpose": "job", "receiving_unit": "昆明市示范科技有限公司", "by_agent": "no", "applicant_phone": CITIZEN}})
        assert saved.status == 200, saved.body[:500]
        uploaded = self.upload(draft_id, "居民身份证")
        assert uploaded.status == 201, uploaded.body[:500]
        submitted = self.call("POST", f"/applicant/drafts/{draft_id}/submission", {},
                              **{"Idempotency-Key": uuid.uuid4().hex})
        assert submitted.status == 201, submitted.body[:500]
        self.submission_seconds.append(submitted.seconds)
        return int(submitted.json()["case_id"])

    def notice_titles(self) -> list[str]:
        reply = self.call("GET", "/applicant/notices")
        assert reply.status == 200, reply.body[:500]
        return [notice["title"] for notice in reply.json()["items"]]


def event_of(stack: Stack, case_id: int, topic: str) -> int:
    rows = stack.query("SELECT id FROM core_outboxevent WHERE topic = %s AND aggregate_type = 'case' "
                       "AND aggregate_id = %s", (topic, str(case_id)))
    assert len(rows) == 1, f"{topic} of case {case_id}: {rows}"
    return int(rows[0][0])


def delivered(stack: Stack, event_id: int) -> bool:
    """Every consumer of the event is done (cases.applicant_notices, exchange.webhooks)."""
    rows = stack.query("SELECT consumer, status FROM core_outboxconsumption WHERE event_id = %s", (event_id,))
    return {consumer for consumer, _ in rows} >= {"cases.applicant_notices", "exchange.webhooks"} and all(
        status == "done" for _, status in rows)
