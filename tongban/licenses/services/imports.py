"""Batch import of existing licences (存量证照导入): CSV or JSON, validated line by line, each valid line issued
(rendered and sealed) in its own transaction, the report stored in :class:`ImportBatch`.

CSV: UTF-8 (a byte-order mark is allowed), a header row with ``license_type_code`` (or ``license_type``: code or
name), ``holder_kind`` (``person`` / ``organization``, or 自然人 / 法人; empty: the type's), ``holder_name``,
``holder_number`` (ID number or credit code), ``valid_from``, ``valid_until`` (YYYY-MM-DD; empty ``valid_until``:
the type's rule), ``serial`` (optional: the existing licence's serial), then one column per surface field.
JSON: a list of objects with the same keys; surface fields at the top level or under ``"data"``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.audit import Actor, Target, audit_record, denial
from tongban.core.errors import DomainError, Issue, ValidationFailed
from tongban.directory.scope import staff_audit_actor, staff_context_for_user
from tongban.licenses.models import HolderKind, ImportBatch, LicenseSource
from tongban.licenses.records import ImportLine, ImportReport
from tongban.licenses.rows import import_report_of
from tongban.licenses.services.issuance import license_issue
from tongban.licenses.types import license_type_lookup, license_type_may_issue

MAX_LINES = 5000
MAX_BYTES = 5 * 1024 * 1024
TYPE_KEYS = ("license_type_code", "license_type", "license_type_name")
FIXED_KEYS = frozenset({*TYPE_KEYS, "holder_kind", "holder_name", "holder_number", "valid_from", "valid_until",
                        "serial", "data"})
HOLDER_KINDS = {"person": HolderKind.PERSON, "自然人": HolderKind.PERSON, "个人": HolderKind.PERSON,
                "organization": HolderKind.ORGANIZATION, "法人": HolderKind.ORGANIZATION,
                "法人和其他组织": HolderKind.ORGANIZATION}
OK, ERROR = "ok", "error"


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, issues=[Issue(code, message, "file")])


def import_parse(*, data: bytes, file_name: str) -> list[dict[str, Any]]:
    """The lines of an import file as dicts (CSV or JSON by name or content); raises ValidationFailed when the file
    cannot be read at all."""
    if len(data) > MAX_BYTES:
        raise _refuse(_("文件不能超过5MB。"), "import_too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(_("文件不是UTF-8编码，请另存为UTF-8格式的CSV或JSON后重新导入。"), "import_not_utf8") from None
    stripped = text.lstrip()
    if file_name.lower().endswith(".json") or stripped.startswith("["):
        try:
            rows = json.loads(text)
        except ValueError:
            raise _refuse(_("JSON格式不正确，应为对象的列表。"), "import_bad_json") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise _refuse(_("JSON格式不正确，应为对象的列表。"), "import_bad_json")
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or []]
        if not any(k in header for k in TYPE_KEYS) or "holder_number" not in header:
            raise _refuse(_("CSV第一行应为表头，至少包括 license_type_code（或 license_type）和 holder_number。"),
                          "import_bad_header")
        reader.fieldnames = header
        rows = [{k: v for k, v in row.items() if k is not None} for row in reader]
    if not rows:
        raise _refuse(_("文件中没有证照数据。"), "import_empty")
    if len(rows) > MAX_LINES:
        raise _refuse(_("一次最多导入%(n)d条，请分批导入。") % {"n": MAX_LINES}, "import_too_many")
    return rows


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any, label: str) -> date | None:
    text = _text(value)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(l)s”日期“%(v)s”格式不正确，应为YYYY-MM-DD。") % {"l": label, "v": text[:20]})


def _message(error: DomainError) -> str:
    if error.issues:
        return "；".join(dict.fromkeys(i.message for i in error.issues))
    return error.message


def _line(number: int, raw: Mapping[str, Any], *, department_id: int, actor: Actor,
          seen: dict[tuple[str, str], int]) -> ImportLine:
    type_text = next((_text(raw.get(k)) for k in TYPE_KEYS if _text(raw.get(k))), "")
    if not type_text:
        return ImportLine(number, ERROR, _("缺少证照类型。"))
    license_type = license_type_lookup(code_or_name=type_text)
    if license_type is None:
        return ImportLine(number, ERROR, _("证照类型“%(t)s”不存在。") % {"t": type_text[:40]})
    if not license_type_may_issue(license_type=license_type, department_id=department_id):
        return ImportLine(number, ERROR, _("本部门不是“%(t)s”的颁发部门。") % {"t": license_type.name})
    kind_text = _text(raw.get("holder_kind"))
    holder_kind = HOLDER_KINDS.get(kind_text, "") if kind_text else license_type.holder_kind
    if not holder_kind:
        return ImportLine(number, ERROR, _("持证主体类别“%(k)s”不正确，应为 person 或 organization。") % {
            "k": kind_text[:20]})
    try:
        valid_from = _date(raw.get("valid_from"), _("有效期起"))
        valid_until = _date(raw.get("valid_until"), _("有效期止"))
    except ValueError as bad:
        return ImportLine(number, ERROR, str(bad))
    serial = _text(raw.get("serial")).upper()
    if serial:
        key = (license_type.code, serial)
        if key in seen:
            return ImportLine(number, ERROR, _("顺序号%(s)s与第%(n)d行重复。") % {"s": serial, "n": seen[key]})
        seen[key] = number
    given = raw.get("data")
    nested: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    data = {**{k: v for k, v in raw.items() if k not in FIXED_KEYS}, **nested}
    try:
        row = license_issue(
            license_type_code=license_type.code, issuer_department_id=department_id, holder_kind=holder_kind,
            holder_name=_text(raw.get("holder_name")), holder_number=_text(raw.get("holder_number")), data=data,
            valid_from=valid_from, valid_until=valid_until, source=LicenseSource.IMPORT, actor=actor, serial=serial)
    except DomainError as error:
        return ImportLine(number, ERROR, _message(error))
    return ImportLine(number, OK, _("已导入。"), row.identifier)


def licenses_import(*, department_id: int, file_name: str, data: bytes, actor: Actor,
                    uploaded_by_id: int | None = None) -> ImportReport:
    """Import a file for ``department_id`` (the caller checked who may). Each line is issued in its own
    transaction; the batch row with its report is written first and completed at the end."""
    rows = import_parse(data=data, file_name=file_name)
    started = time.monotonic()
    batch = ImportBatch.objects.create(department_id=department_id, uploaded_by_id=uploaded_by_id,
                                       file_name=(file_name or "import")[:200], total=len(rows))
    seen: dict[tuple[str, str], int] = {}
    lines: list[ImportLine] = []
    for number, raw in enumerate(rows, start=2 if not file_name.lower().endswith(".json") else 1):
        lines.append(_line(number, raw, department_id=department_id, actor=actor, seen=seen))
    batch.accepted = sum(1 for line in lines if line.status == OK)
    batch.rejected = len(lines) - batch.accepted
    batch.report = [line.as_json() for line in lines]
    batch.save(update_fields=["accepted", "rejected", "report"])
    seconds = time.monotonic() - started
    audit_record(action="licenses.license.import", actor=actor,
                 target=Target(type="licenses.import_batch", id=str(batch.pk), label=batch.file_name),
                 detail={"total": batch.total, "accepted": batch.accepted, "rejected": batch.rejected,
                         "seconds": round(seconds, 2)})
    report = import_report_of(batch)
    return ImportReport(**{**report.__dict__, "seconds": seconds})


def licenses_import_for_staff(*, user: Any, file_name: str, data: bytes) -> ImportReport:
    """The workbench import: a 证照管理人员 imports for their own department (refusal audited)."""
    staff = staff_context_for_user(user)
    if staff is None or "license_admin" not in staff.roles:
        error = denial(action="licenses.license.import",
                       actor=staff_audit_actor(staff) if staff else Actor(kind="anonymous"),
                       target=Target(type="licenses.import_batch"), message=_("只有证照管理人员可以导入证照。"))
        if error.audit:
            audit_record(**error.audit)
        raise error
    return licenses_import(department_id=staff.department_id, file_name=file_name, data=data,
                           actor=staff_audit_actor(staff), uploaded_by_id=getattr(user, "pk", None))


def import_report_csv(report: ImportReport) -> str:
    """The report as CSV (UTF-8 with BOM, for spreadsheet programs)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["行号", "结果", "说明", "证照标识"])
    for line in report.lines:
        writer.writerow([line.line, "成功" if line.status == OK else "失败", line.message, line.identifier])
    return out.getvalue()
