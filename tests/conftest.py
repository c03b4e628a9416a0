import os

import pytest

os.environ.setdefault("TONGBAN_DEBUG", "1")


@pytest.fixture
def regions(db):
    from tests.factories import region_tree

    return region_tree()
