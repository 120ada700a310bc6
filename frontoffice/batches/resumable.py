"""A scanned stack sent by tus (``/api/v1/uploads/`` with metadata ``batch``): a large PDF or TIFF on a village line
resumes where it stopped, and the finished file becomes a batch exactly as the batch page's upload of it would."""

from django.conf import settings
from django.core.files import File

from frontoffice.batches.services.create import batch_create
from uploads.services import Kind, register_kind


def finish_stack(upload, f: File) -> int:
    return batch_create(front_office=upload.front_office, files=[f], by=upload.user).pk


def register() -> None:
    register_kind(
        "batch", Kind(finish=finish_stack, max_bytes=lambda: settings.SCAN_BATCH_MAX_BYTES, header="Upload-Batch")
    )
