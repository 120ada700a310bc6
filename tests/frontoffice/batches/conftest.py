import pytest

from tests.factories import RegionFactory


@pytest.fixture(autouse=True)
def _batch_folders(settings, tmp_path):
    """Scanner inboxes and scratch space of each test in its own folder."""
    settings.SCAN_INBOX_ROOT = tmp_path / "scan-inbox"
    settings.SCAN_SCRATCH_DIR = str(tmp_path / "scratch")


@pytest.fixture(autouse=True)
def _region_codes_that_fit():
    """``RegionFactory`` codes are "UA" + the sequence in two digits + 15 zeros: past the 99th world of a test
    session they no longer fit the 19-character column (PostgreSQL refuses them; SQLite does not check). Each
    test's database starts empty, so each test may start the sequence afresh."""
    RegionFactory.reset_sequence()
