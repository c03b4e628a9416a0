"""Batch import of existing licences: CSV and JSON, a line-by-line report with good and bad lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.licenses.issuing import LI_ID, ZHANG_ID, type_code, valid_id
from tongban.core.errors import NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.licenses.models import ImportBatch, License
from tongban.licenses.services.imports import import_report_csv, licenses_import_for_staff

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.licenses.issuing"]

HEADER = "license_type_code,holder_kind,holder_name,holder_number,valid_from,valid_until,serial,sex,address\n"


def test_csv_report_with_good_and_bad_lines(lw: Any) -> None:
    code = type_code("居民身份证")
    text = HEADER + "".join([
        f"{code},person,张三,{ZHANG_ID},2020-03-01,2040-03-01,2020000101,男,石林县\n",       # 2 ok
        f"居民身份证,,李华,{LI_ID},2021-05-06,,,女,\n",                                        # 3 ok (by name)
        f"{code},person,王五,530126199001011233,2020-03-01,,,男,\n",                           # 4 bad checksum
        f"不存在的证照,person,赵六,{valid_id(6)},2020-03-01,,,,\n",                              # 5 unknown type
        f"{code},person,,{valid_id(7)},2020-03-01,,,,\n",                                      # 6 missing name
        f"{code},person,孙七,{valid_id(8)},2020-03-01,,2020000101,,\n",                        # 7 duplicate serial
        f"{type_code('结婚证')},person,周八,{valid_id(9)},2020-03-01,,,,\n",                     # 8 not our type
        f"{code},person,吴九,{valid_id(10)},2020/13/01,,,,\n",                                 # 9 bad date
    ])
    report = licenses_import_for_staff(user=lw.gongan_admin, file_name="存量身份证.csv",
                                       data=("\ufeff" + text).encode())
    by_line = {line.line: line for line in report.lines}
    assert (report.total, report.accepted, report.rejected) == (8, 2, 6)
    assert by_line[2].status == "ok" and by_line[2].identifier.split(".")[-3] == "2020000101"
    assert by_line[3].status == "ok"
    assert "校验位" in by_line[4].message
    assert "不存在" in by_line[5].message
    assert "姓名" in by_line[6].message or "持证主体名称" in by_line[6].message
    assert "重复" in by_line[7].message and "第2行" in by_line[7].message
    assert "颁发部门" in by_line[8].message
    assert "日期" in by_line[9].message
    assert License.objects.filter(source="import").count() == 2
    imported = License.objects.get(identifier=by_line[2].identifier)
    assert imported.valid_from.isoformat() == "2020-03-01" and imported.issued_on.isoformat() == "2020-03-01"
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert batch.department_id == lw.gongan.pk and len(batch.report) == 8
    csv_text = import_report_csv(report)
    assert csv_text.startswith("\ufeff行号,结果,说明,证照标识") and "失败" in csv_text
    assert AuditEvent.objects.filter(action="licenses.license.import", object_id=str(report.batch_id)).exists()


def test_json_lines_and_duplicates_against_the_register(lw: Any) -> None:
    code = type_code("营业执照")
    rows = [
        {"license_type": code, "holder_name": "云南滇池示范科技有限公司", "holder_number": "91530102MA6N7Q8R2M",
         "valid_from": "2019-07-01", "serial": "A0001", "data": {"company_type": "有限责任公司"}},
        {"license_type": code, "holder_name": "重复", "holder_number": "91530102MA6N7Q8R2M",
         "valid_from": "2019-07-01", "serial": "A0002", "legal_representative": "王晓明"},
        {"license_type": code, "holder_name": "坏代码", "holder_number": "91530102MA6N7Q8R2X", "valid_from": "2019-07-01"},
    ]
    report = licenses_import_for_staff(user=lw.scjg_admin, file_name="licences.json",
                                       data=json.dumps(rows, ensure_ascii=False).encode())
    assert [line.status for line in report.lines] == ["ok", "ok", "error"]
    assert "统一社会信用代码" in report.lines[2].message
    again = licenses_import_for_staff(user=lw.scjg_admin, file_name="licences.json",
                                      data=json.dumps(rows[:1], ensure_ascii=False).encode())
    assert again.lines[0].status == "error" and "已被使用" in again.lines[0].message


def test_unreadable_files_and_who_may_import(lw: Any) -> None:
    with pytest.raises(ValidationFailed) as header:
        licenses_import_for_staff(user=lw.gongan_admin, file_name="x.csv", data=b"a,b\n1,2\n")
    assert header.value.code == "import_bad_header"
    with pytest.raises(ValidationFailed) as encoding:
        licenses_import_for_staff(user=lw.gongan_admin, file_name="x.csv", data=HEADER.encode("gbk") + "张".encode("gbk"))
    assert encoding.value.code == "import_not_utf8"
    with pytest.raises(ValidationFailed) as empty:
        licenses_import_for_staff(user=lw.gongan_admin, file_name="x.csv", data=HEADER.encode())
    assert empty.value.code == "import_empty"
    with pytest.raises(NotPermitted):
        licenses_import_for_staff(user=lw.gongan_clerk, file_name="x.csv", data=HEADER.encode())
    assert AuditEvent.objects.filter(action="licenses.license.import", outcome="denied").exists()


def test_command_imports_and_reports_the_rate(lw: Any, tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    code = type_code("居民身份证")
    lines = [f"{code},person,测试{n},{valid_id(100 + n)},2022-01-01,,,男,石林县" for n in range(20)]
    source = tmp_path / "ids.csv"
    source.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    out = StringIO()
    call_command("licenses_import", str(source), "--department", lw.gongan.credit_code,
                 "--report", str(tmp_path / "report.csv"), stdout=out)
    text = out.getvalue()
    assert "成功 20 行" in text and (tmp_path / "report.csv").read_text(encoding="utf-8").count("成功") == 20
    seconds = float(text.split("用时 ")[1].split(" 秒")[0])
    print(f"\n20 licences imported (render + seal + store) in {seconds:.1f} s")
    assert seconds / 20 < 5, "each line must take seconds, not minutes"
    seed = StringIO()
    call_command("licenses_seed_types", stdout=seed)
    assert "写入" in seed.getvalue()
