from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import clock


class Document(models.Model):
    """A typed item of a case's package (e.g. "passport"), made of one or more pages.

    ``document_type`` is empty for pages a scanned batch could not type: "unsorted", for the clerk to label.
    ``origin`` says where it came from: uploaded by people, or filed by the product from a state registry's answer
    (``registry_code`` then names the registry; the checklist counts such a document whatever its page count).
    """

    class Origin(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        REGISTRY = "registry", _("From the registry")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    document_type = models.ForeignKey(
        "cases.DocumentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document type"),
    )
    position = models.PositiveIntegerField(default=0)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.UPLOAD)
    registry_code = models.CharField(_("registry"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "position", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return str(self.document_type or _("Unsorted"))


class SourceFile(models.Model):
    """An uploaded file exactly as received, with its SHA-256. Pages are derived from it; it is never changed."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="source_files")
    file = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=50, help_text="Decided from the content, not the name.")
    original_name = models.CharField(max_length=255, blank=True)
    page_count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="source_file_unique_per_case")]

    def __str__(self) -> str:
        return f"{self.content_type} {self.sha256[:12]}"


class Page(models.Model):
    """One page of a document: a frame of an image or a page of a PDF, processed in the background.

    Its status changes only through ``cases.pages.PAGES`` (pending → processing → ready | failed), each change a
    ``PageEvent``. A worker claims the page before processing it (``claim_token``), so however often its task is
    delivered the page is processed once, and ``attempts`` counts the real attempts.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    source = models.ForeignKey(SourceFile, on_delete=models.PROTECT, related_name="pages")
    source_index = models.PositiveIntegerField(default=0, help_text="Frame or page number within the source file.")
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=300, blank=True)
    image = models.FileField(max_length=300, blank=True)
    thumbnail = models.FileField(max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    rotation = models.PositiveSmallIntegerField(default=0, help_text="Clockwise degrees the clerk turned the page.")
    attempts = models.PositiveSmallIntegerField(default=0)
    # When processing was last asked for: a page pending long after this was never delivered to a worker (the
    # broker was down) and is sent again by the sweeper.
    queued_at = models.DateTimeField(default=clock.now)
    # Who is processing it now (the task's delivery id) and since when: a claim older than the lease belongs to a
    # worker that died, and the sweeper takes the page back.
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "position", "pk"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        indexes = [
            models.Index(
                fields=["status"], name="page_status_waiting", condition=models.Q(status__in=["pending", "processing"])
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.position} {self.status}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_waiting(self) -> bool:
        """Still to be processed, or being processed now."""
        return self.status in (self.Status.PENDING, self.Status.PROCESSING)


class PageEvent(models.Model):
    """One change of a page's processing status. Append-only: written by the page machine's executor."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["page", "at"], name="page_event_page_at")]

    def __str__(self) -> str:
        return f"{self.page_id} {self.action} {self.from_status}→{self.to_status}"
