"""The front office's own tables: scanned batches (a stack split into cases' documents) and scanner inboxes.

Cases, documents and pages are kernel models (``cases.models``); a batch only records where each page of a
scanned stack went, so nothing of the stack is lost on the way.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock


class ScanBatch(models.Model):
    """A scanned stack: uploaded at once (web, API) or picked up from a front office's scanner inbox.

    Cover sheets split it into cases, separator sheets into documents; every page ends up routed into a case,
    dropped (a sheet), or unrouted for the clerk. Processing is resumable: each page's outcome is saved as it is
    reached, and a worker holds the batch by a heartbeat (``heartbeat_at``) that another worker may take over once
    it is stale.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        READING = "reading", _("Reading barcodes")
        ROUTING = "routing", _("Routing pages")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        FOLDER = "folder", _("Scanner folder")

    front_office = models.ForeignKey(
        "cases.FrontOffice", on_delete=models.PROTECT, related_name="scan_batches", verbose_name=_("front office")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="Of the single file of a folder import: the key that imports it once."
    )
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    pages_read = models.PositiveIntegerField(default=0)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("received"), default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True, help_text="When pages were split into parts.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True, help_text="Token of the worker holding the batch.")
    originals_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("scan batch")
        verbose_name_plural = _("scan batches")
        constraints = [
            models.UniqueConstraint(
                fields=["front_office", "sha256"],
                condition=Q(source="folder"),
                name="scan_batch_folder_file_once",
            )
        ]
        indexes = [models.Index(fields=["front_office", "-created_at"], name="scan_batch_office_recent")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.READING, self.Status.ROUTING)


class ScanBatchEvent(models.Model):
    """One line of a batch's history: queued, read, routed, done, failed, retried — who (empty: the worker), when,
    from which status to which. Written by the batch machine (``frontoffice.batches.services.machine``) in the
    transaction of the change; never changed."""

    batch = models.ForeignKey(ScanBatch, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=10, choices=ScanBatch.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=ScanBatch.Status.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("scan batch event")
        verbose_name_plural = _("scan batch events")
        indexes = [models.Index(fields=["batch", "at"], name="scan_batch_event_at")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.action} {self.from_status}→{self.to_status}"


class ScanBatchFile(models.Model):
    """One file of a batch, stored as received (several images make one batch, in the order given)."""

    batch = models.ForeignKey(ScanBatch, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField(default=0)
    file = models.FileField(max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["batch", "position"]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.position} {self.original_name}"


class ScanBatchPage(models.Model):
    """A page of a stack and where it went: into a case's document, dropped (a sheet), or unrouted and why."""

    class Kind(models.TextChoices):
        CONTENT = "content", _("Page")
        COVER = "cover", _("Cover sheet")
        SEPARATOR = "separator", _("Separator sheet")
        UNREADABLE_SHEET = "unreadable_sheet", _("A sheet whose codes could not be read")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        READ = "read", _("Read")
        ROUTED = "routed", _("In the case")
        DROPPED = "dropped", _("Sheet, not kept")
        UNROUTED = "unrouted", _("Unrouted")
        DISCARDED = "discarded", _("Discarded by the clerk")

    class Reason(models.TextChoices):
        NO_COVER = "no_cover", _("Before the first cover sheet")
        UNKNOWN_CASE = "unknown_case", _("The cover sheet names no known case")
        OTHER_COMMUNITY = "other_community", _("The case belongs to another community")
        NOT_ACCEPTING = "not_accepting", _("The case does not accept documents now")
        AMBIGUOUS = "ambiguous", _("The cover sheet names several cases")
        UNREADABLE_SHEET = "unreadable_sheet", _("After a sheet whose codes could not be read")
        REFUSED = "refused", _("The case refused the pages")
        DAMAGED = "damaged", _("A page of this document is damaged in the scanned file")

    batch = models.ForeignKey(ScanBatch, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField(help_text="1-based position in the stack.")
    file = models.ForeignKey(ScanBatchFile, on_delete=models.CASCADE, related_name="pages")
    source_index = models.PositiveIntegerField(default=0, help_text="Page or frame within the file.")
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True, help_text="Empty until read.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    barcodes = models.CharField(max_length=500, blank=True, help_text="Every code read on the page, one a line.")
    sheet_case_number = models.CharField(max_length=40, blank=True, help_text="The case number a cover sheet names.")
    sheet_document_type = models.CharField(max_length=40, blank=True, help_text="The type a separator names.")
    # The plan: pages with the same group go into one document; a part is what one cover sheet starts.
    part = models.PositiveIntegerField(null=True, blank=True)
    group = models.PositiveIntegerField(null=True, blank=True)
    case_number = models.CharField(max_length=40, blank=True, help_text="The number read for this page's part.")
    document_type = models.ForeignKey("cases.DocumentType", on_delete=models.PROTECT, null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    document = models.ForeignKey("cases.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    detail = models.CharField(max_length=500, blank=True, help_text="The message behind the reason, if any.")
    thumbnail = models.FileField(max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="scan_batch_page_unique_number")]
        indexes = [models.Index(fields=["batch", "status"], name="scan_batch_page_status")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.number} {self.status}"

    @property
    def is_routed(self) -> bool:
        return self.status == self.Status.ROUTED

    @property
    def is_unrouted(self) -> bool:
        return self.status == self.Status.UNROUTED

    @property
    def is_dropped(self) -> bool:
        return self.status == self.Status.DROPPED


class ScanBatchPageEvent(models.Model):
    """One line of a batch page's history: read, dropped (a sheet), unrouted and why, routed into a case, assigned
    or discarded by the clerk — who (empty: the worker), when, from which status to which. Written by the page
    machine (``frontoffice.batches.services.machine.PAGES``), set-based for a batch's pages, in the transaction of
    the change; never changed."""

    page = models.ForeignKey(ScanBatchPage, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=10, choices=ScanBatchPage.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=ScanBatchPage.Status.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("scan batch page event")
        verbose_name_plural = _("scan batch page events")
        indexes = [models.Index(fields=["page", "at"], name="scan_batch_page_event_at")]

    def __str__(self) -> str:
        return f"{self.page_id} {self.action} {self.from_status}→{self.to_status}"


class ScanInbox(models.Model):
    """The last look at a front office's scanner folder: a file is imported only once two looks agree on its
    size and modification time (the scanner has finished writing it)."""

    front_office = models.OneToOneField("cases.FrontOffice", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    last_look = models.JSONField(default=dict, help_text="{name: [size, mtime_ns]} seen at the last look.")
    looked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scanner inbox")
        verbose_name_plural = _("scanner inboxes")

    def __str__(self) -> str:
        return self.path
