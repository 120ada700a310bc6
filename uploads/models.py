"""A tus upload in progress: the bytes so far live in a part file (``settings.TUS_PARTS_DIR``), the row says how
many the server has. A finished upload becomes a document through the same path as a multipart upload."""

import uuid

from django.conf import settings
from django.db import models

from cases import clock


class ResumableUpload(models.Model):
    """One file being uploaded with the tus protocol (creation, termination, expiration). Who may continue it:
    the staff user who created it, or anyone holding its (unguessable) URL for an applicant's link upload,
    whose link is checked again when the file is finished."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A file for a case (``case``), or a scanned stack for a front office's batch (``front_office``; metadata
    # ``batch``): the app that registered the kind stores it (``uploads.services.register_kind``).
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    front_office = models.ForeignKey(
        "cases.FrontOffice", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=20, blank=True, help_text="Empty for a case's document; else a registered kind.")
    result_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="What the kind made (a batch's id).")
    document_type = models.ForeignKey("cases.DocumentType", on_delete=models.PROTECT, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    link = models.TextField(blank=True, help_text="The applicant's signed link, for uploads made through it.")
    filename = models.CharField(max_length=255, blank=True)
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Announced by the client (metadata), if any.")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    document = models.ForeignKey("cases.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Metadata ``document``: the finished file's pages join this document of the case (a clerk's several files).
    append_to = models.ForeignKey("cases.Document", on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="upload_expires", condition=models.Q(finished_at=None))]

    def __str__(self) -> str:
        return f"{self.guid} {self.offset}/{self.length}"
