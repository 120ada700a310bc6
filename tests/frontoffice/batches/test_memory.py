"""Memory stays bounded by a page, not by the stack: a 300-page batch is read and routed within a fixed budget."""

import ctypes
import ctypes.util
from pathlib import Path

import pytest

from frontoffice.batches.services.create import batch_create
from frontoffice.batches.services.run import batch_process
from frontoffice.services import uploaded
from tests.factories import make_case
from tests.frontoffice.batches.stacks import content, cover, stack_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BUDGET_MB = 120
STATUS = Path("/proc/self/status")


def status_mb(key: str) -> float:
    for line in STATUS.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


class PeakRSS:
    """Growth of the resident set over the block, from the kernel's own high-water mark (VmHWM), so native
    memory of PDFium and Pillow counts too and no short peak is missed. Freed heap is handed back to the OS
    first (malloc_trim), so memory freed earlier in the test session cannot hide the block's own use."""

    def __enter__(self):
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current resident size
        self.start = status_mb("VmRSS")
        return self

    def __exit__(self, *exc):
        self.peak = status_mb("VmHWM")
        self.growth = self.peak - self.start


def test_a_300_page_batch_is_routed_within_a_fixed_memory_budget(world, settings):
    settings.SCAN_BATCH_MAX_PAGES = 300
    cases = [make_case(world) for _ in range(30)]

    def pages():  # one page image alive at a time, as a scanner writes them
        for case in cases:
            yield cover(case)
            for _ in range(9):
                yield content(case.number)

    data = stack_pdf(pages())
    batch = batch_create(front_office=world.fo_a, files=[uploaded(data, "big.pdf")], by=world.clerk_a)
    input_mb = len(data) / 2**20
    del data

    # Page processing of the routed pages is the front office's work (its own workers); not run here.
    with PeakRSS() as memory:
        batch = batch_process(batch_id=batch.pk)

    assert batch.status == "done" and batch.page_count == 300
    assert batch.pages.filter(status="routed").count() == 270
    assert all(case.documents.get().pages.count() == 9 for case in cases)
    print(f"300 pages, input {input_mb:.1f} MB: RSS {memory.start:.0f} -> peak {memory.peak:.0f} MB")
    assert memory.growth < BUDGET_MB
