import pytest


@pytest.fixture(autouse=True)
def _batch_folders(settings, tmp_path):
    """Scanner inboxes and scratch space of each test in its own folder."""
    settings.SCAN_INBOX_ROOT = tmp_path / "scan-inbox"
    settings.SCAN_SCRATCH_DIR = str(tmp_path / "scratch")
