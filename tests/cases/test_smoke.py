import pytest

from tests.cases.conftest import apply, configure, decide, to_review
from tongban.cases import selectors, services
from tongban.cases.models import Case

pytestmark = pytest.mark.django_db


def test_apply_accept_review_decide_complete_deliver(world):
    configure(world)
    receipt = apply(world)
    assert len(receipt.case_number) == 43
    to_review(world, receipt.case_id)
    decide(world, receipt.case_id)
    services.case_complete(user=world.clerk, case_id=receipt.case_id)
    services.case_deliver(user=world.clerk, case_id=receipt.case_id)
    assert Case.objects.get(pk=receipt.case_id).status == "delivered"
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=receipt.case_id)
    assert [e.transition for e in view.timeline][:2] == ["submit", "accept"]
