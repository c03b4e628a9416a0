"""The licences' hot queries use indexes (EXPLAIN on PostgreSQL): licences by holder (我的证照 of a person and of an
organisation, the resolver's valid licences, 一证通办), a licence by its identifier (verification), the licence
administrators' list (a department's, the platform's), the expiry job, a licence's page with its logs, and the
electronic archive's list.

Each test calls the selector or service the page calls and explains what it sends (``tests.explain``), on a few
thousand licences of a few hundred holders (rows made in bulk, then ANALYZEd), built once for the module.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from tests.cases.scale import scale_world
from tests.explain import Plans, analyze, index_names, plans_of, postgresql_only
from tests.factories import make_staff, region_tree
from tests.licenses.factories import LicenseTypeFactory
from tests.organizations.helpers import WANG_ID
from tongban.cases.models import Case, CaseStatus
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.identity.services import id_number_index
from tongban.licenses.identifiers import identifier_make
from tongban.licenses.models import (
    ArchivePackage,
    ConsentStatus,
    HolderKind,
    License,
    LicenseConsent,
    LicenseEvent,
    LicenseSource,
    LicenseStatus,
    LicenseUse,
    RequesterKind,
    Verification,
    VerificationChannel,
    VerificationResult,
)
from tongban.licenses.selectors import archives, licenses, wallet
from tongban.licenses.services.issuance import license_expire_due
from tongban.licenses.services.lookup import license_lookup

pytestmark = [postgresql_only, pytest.mark.django_db]

BIG = ("licenses_license", "licenses_licenseevent", "licenses_licenseconsent", "licenses_licenseuse",
       "licenses_verification", "licenses_archivepackage", "cases_case", "identity_user",
       "organizations_organization")
LICENCES = 3000
HOLDERS = 600


@pytest.fixture(scope="module")
def province(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """Cases (for the archive), licences of many holders, the citizen's and the organisation's among them; once for
    the module, in a transaction rolled back after its last test."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    with django_db_blocker.unblock(), transaction.atomic():
        world = scale_world(region_tree(), cases=800)
        _licences(world, random.Random(5))
        _archive(world)
        analyze()
        connection.check_constraints()  # now, once: each test's teardown would check the pending rows again
        yield world
        transaction.set_rollback(True)


def _licences(world: SimpleNamespace, rng: random.Random) -> None:
    issuers = world.departments  # the county's police (the administrator's department) issues a tenth
    shares = [1] + [2] * (len(issuers) - 1)
    person_types = [LicenseTypeFactory(defining_department=d, issuers=issuers) for d in issuers[:3]]
    org_type = LicenseTypeFactory(defining_department=issuers[0], holder_kind=HolderKind.ORGANIZATION)
    user_model = get_user_model()
    users = user_model.objects.bulk_create([user_model(username=f"lic_holder_{n}", kind="person", password="!")
                                            for n in range(HOLDERS // 2)])
    holders = [(f"5301261990{n:08d}", users[n].pk if n < len(users) else None) for n in range(HOLDERS)]
    org = world.organization
    rows: list[License] = []

    def add(n: int, license_type: Any, number: str, user_id: int | None, org_id: int | None,
            status: str = LicenseStatus.VALID) -> None:
        issuer = rng.choices(issuers, weights=shares)[0] if license_type.holder_kind == HolderKind.PERSON else issuers[0]
        serial = f"2026{n:06d}"
        issued = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        rows.append(License(
            license_type=license_type, serial=serial, version=1, issuer_department=issuer,
            identifier=identifier_make(type_code=license_type.code, issuer_code=issuer.credit_code, serial=serial),
            issuer_credit_code=issuer.credit_code, holder_kind=license_type.holder_kind, holder_name=f"持证人{n}",
            holder_number=number, holder_index=id_number_index(number), holder_user_id=user_id,
            holder_organization_id=org_id, data=json.dumps({"name": f"持证人{n}", "id_number": number}),
            status=status, issued_on=issued, valid_from=issued,
            valid_until=issued + timedelta(days=rng.choice([365, 3650])), source=LicenseSource.IMPORT))

    statuses = [LicenseStatus.VALID] * 17 + [LicenseStatus.REVOKED, LicenseStatus.EXPIRED, LicenseStatus.CANCELLED]
    for n in range(LICENCES):
        number, user_id = rng.choice(holders)
        add(n, rng.choice(person_types), number, user_id if rng.random() < 0.5 else None, None, rng.choice(statuses))
    for n in range(LICENCES, LICENCES + 400):
        add(n, org_type, f"91530126ORG{n:07d}", None, None, rng.choice(statuses))
    # The citizen's: by account, by verified number only; the organisation's: by account, by credit code only.
    for n, license_type in enumerate(person_types * 2, start=LICENCES + 400):
        add(n, license_type, WANG_ID, world.citizen.pk if n % 2 else None, None)
    for n in range(LICENCES + 410, LICENCES + 416):
        add(n, org_type, org.credit_code, None, org.pk if n % 2 else None)
    made = License.objects.bulk_create(rows, batch_size=500)
    License.objects.filter(pk__in=[r.pk for r in made]).update(created_at=timezone.now() - timedelta(days=1))
    LicenseEvent.objects.bulk_create([LicenseEvent(license=r, action="issue", to_status=r.status) for r in made],
                                     batch_size=1000)
    some = rng.sample(made, 600)
    consents = LicenseConsent.objects.bulk_create([LicenseConsent(
        license=r, requester_kind=RequesterKind.DEPARTMENT, requester_name="测试部门", purpose="办理业务",
        status=rng.choice(list(ConsentStatus))) for r in some], batch_size=1000)
    LicenseUse.objects.bulk_create([LicenseUse(license=c.license, consent=c, user_label="测试部门", purpose="办理业务",
                                               allowed=True) for c in consents], batch_size=1000)
    Verification.objects.bulk_create([Verification(license=r, channel=VerificationChannel.IDENTIFIER,
                                                   result=VerificationResult.VALID) for r in some * 2], batch_size=1000)
    world.citizen_licence = License.objects.filter(holder_index=id_number_index(WANG_ID)).order_by("pk").first()


def _archive(world: SimpleNamespace) -> None:
    finished = Case.objects.filter(status=CaseStatus.DELIVERED).values_list("pk", "case_number", "item_code",
                                                                           "department_id")
    ArchivePackage.objects.bulk_create([ArchivePackage(
        case_id=pk, case_number=number, item_code=code, department_id=department, manifest=[],
        manifest_sha256="0" * 64, manifest_signature="-", signing_kid="test") for pk, number, code, department in finished],
        batch_size=1000)
    world.archive_admin = make_staff(world.gongan, "department_admin", "license_admin", "license_lookup",
                                     username="lic_dept_admin")
    world.platform_admin = make_staff(world.departments[-1], "platform_admin", username="lic_platform_admin")


def staff(user: Any) -> StaffContext:
    context = staff_context_for_user(user)
    assert context is not None
    return context


def check(plans: Plans, *expected: str) -> None:
    plans.assert_indexed(tables=BIG, uses=expected)


def page(rows: Any) -> Callable[[], Any]:
    return lambda: (len(rows), rows[0:20])


# ------------------------------------------------------------------ by holder


def test_the_wallet_of_a_person_finds_licences_by_account_or_number(province: SimpleNamespace) -> None:
    plans = plans_of(page(wallet.wallet_license_list_for_holder(user=province.citizen)))
    check(plans, "lic_holder_user_idx", "lic_holder_status_idx")
    assert len(wallet.wallet_license_list_for_holder(user=province.citizen)) == 6
    check(plans_of(lambda: wallet.consent_list_for_holder(user=province.citizen)), "lic_consent_license_idx")
    check(plans_of(lambda: licenses.license_list_for_holder(user=province.citizen)),
          "lic_holder_user_idx", "lic_holder_status_idx")


def test_the_wallet_of_an_organisation_finds_licences_by_organisation_or_credit_code(province: SimpleNamespace) -> None:
    org = province.organization
    plans = plans_of(page(wallet.wallet_license_list_for_holder(user=province.citizen, org_id=org.pk)))
    check(plans, "lic_holder_org_idx", "lic_holder_status_idx")
    assert len(wallet.wallet_license_list_for_holder(user=province.citizen, org_id=org.pk)) == 6


def test_valid_licences_of_a_number_use_the_holder_index(province: SimpleNamespace) -> None:
    index = id_number_index(WANG_ID)
    check(plans_of(lambda: licenses.license_list_valid_for_index(holder_index=index)), "lic_holder_status_idx")
    clerk = province.archive_admin
    check(plans_of(lambda: license_lookup(user=clerk, number=WANG_ID, purpose="核验申请人证照")),
          "lic_holder_status_idx")


def test_a_licence_page_reads_its_logs_by_licence(province: SimpleNamespace) -> None:
    licence = province.citizen_licence
    plans = plans_of(lambda: wallet.wallet_license_get_for_holder(user=province.citizen, license_id=licence.pk))
    check(plans, "licenses_license_pkey", "lic_use_license_idx", "lic_verif_license_idx", "lic_consent_license_idx")
    assert index_names("licenses_licenseevent", ["license_id"]) & plans.indexes(), plans


def test_a_licence_by_its_identifier_uses_the_unique_index(province: SimpleNamespace) -> None:
    identifier = province.citizen_licence.identifier
    plans = plans_of(lambda: licenses.license_row_by_identifier(identifier=identifier))
    check(plans)
    assert index_names("licenses_license", ["identifier"]) & plans.indexes(), plans


def test_the_expiry_job_finds_valid_licences_past_their_date(province: SimpleNamespace) -> None:
    check(plans_of(lambda: license_expire_due(today=date(2024, 1, 10))), "lic_status_until_idx")


# ------------------------------------------------------------------ 证照管理 and 电子档案


def test_the_licence_administrators_list_uses_the_issuer_index(province: SimpleNamespace) -> None:
    me = staff(province.archive_admin)
    check(plans_of(page(licenses.license_list_for_staff(staff=me))), "lic_issuer_created_idx")
    check(plans_of(page(licenses.license_list_for_staff(staff=me, status=LicenseStatus.REVOKED))),
          "lic_issuer_created_idx")
    check(plans_of(page(licenses.license_list_for_staff(staff=me, holder_number=WANG_ID))), "lic_holder_status_idx")


def test_the_platform_licence_list_walks_the_newest_first_index(province: SimpleNamespace) -> None:
    me = staff(province.platform_admin)
    assert me.is_platform_admin
    check(plans_of(lambda: licenses.license_list_for_staff(staff=me)[0:20]), "lic_created_idx")
    check(plans_of(page(licenses.license_list_for_staff(staff=me, holder_number=WANG_ID))), "lic_holder_status_idx")


def test_the_archive_list_uses_its_indexes(province: SimpleNamespace) -> None:
    mine = staff(province.archive_admin)
    everyone = staff(province.platform_admin)
    check(plans_of(page(archives.archive_list_for_staff(staff=mine))), "lic_archive_dept_idx")
    check(plans_of(lambda: archives.archive_list_for_staff(staff=everyone)[0:20]), "lic_archive_created_idx")
    number = ArchivePackage.objects.order_by("-pk").values_list("case_number", flat=True)[0]
    plans = plans_of(page(archives.archive_list_for_staff(staff=everyone, case_number=number[:39])))
    check(plans)
    assert index_names("licenses_archivepackage", ["case_number"]) & plans.indexes(), plans
