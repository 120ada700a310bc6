"""The phone link: signed (``django.core.signing``), for one case, valid ``PUBLIC_UPLOAD_LINK_DAYS`` days.

Two kinds: the link of a request for information (dead once the clerk resubmits: the request is answered), and
the link a clerk sends for an application taken by phone (channel *remote*; dead once the draft is submitted).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.urls import reverse

from cases.exceptions import LinkInvalid
from cases.models import Case, CaseEvent, ChecklistItem, InfoRequest

SALT = "public.upload-link"


@dataclass
class LinkTarget:
    """What a valid link opens: its case, and the request for information it answers (None for a remote draft)."""

    case: Case
    info_request: InfoRequest | None = None
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def case_id(self) -> int:
        return self.case.pk

    @property
    def message(self) -> str:
        return self.info_request.message if self.info_request else ""


def upload_token(*, info_request: InfoRequest | None = None, case: Case | None = None) -> str:
    case_id = info_request.case_id if info_request else case.pk
    return signing.dumps({"c": case_id, "r": info_request.pk if info_request else 0}, salt=SALT, compress=True)


def upload_url(*, info_request: InfoRequest | None = None, case: Case | None = None) -> str:
    path = reverse("public:upload", kwargs={"token": upload_token(info_request=info_request, case=case)})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def upload_link_check(*, token: str, case_id: int | None = None) -> LinkTarget:
    """The case (and request) the link was made for; ``LinkInvalid`` (with a reason in ``extra``) if it is forged,
    expired, for another case, or already used."""
    from django.utils.translation import gettext as _

    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PUBLIC_UPLOAD_LINK_DAYS * 86400)
    except signing.SignatureExpired as e:
        raise LinkInvalid(_("This link has expired. Ask the front office for a new one."), reason="expired") from e
    except signing.BadSignature as e:
        raise LinkInvalid(_("This link is not valid."), reason="bad_signature") from e
    if case_id is not None and data.get("c") != case_id:
        raise LinkInvalid(_("This link is for another application."), reason="other_case")
    closed = LinkInvalid(
        _("The documents for this request were already passed on; this link is closed."), reason="used"
    )
    if not data.get("r"):
        case = Case.objects.select_related("service_type", "front_office").filter(pk=data.get("c")).first()
        if case is None or case.channel != Case.Channel.REMOTE:
            raise LinkInvalid(_("This link is not valid."), reason="unknown")
        if case.status != Case.Status.DRAFT:
            raise closed
        return LinkTarget(case=case, items=list(case.service_type.checklist.prefetch_related("document_types")))
    info_request = (
        InfoRequest.objects.select_related("case__service_type", "case__front_office")
        .filter(pk=data.get("r"), case_id=data.get("c"))
        .first()
    )
    if info_request is None:
        raise LinkInvalid(_("This link is not valid."), reason="unknown")
    if info_request.answered_at is not None or info_request.case.status != Case.Status.NEEDS_INFO:
        raise closed
    return LinkTarget(
        case=info_request.case,
        info_request=info_request,
        items=list(info_request.items.prefetch_related("document_types")),
    )


def info_request_link_context(case: Case, event: CaseEvent) -> dict:
    """For the "more documents needed" message: the link, and what is missing in the request's words."""
    info_request = case.info_requests.filter(answered_at__isnull=True).order_by("-created_at", "-pk").first()
    if info_request is None:
        return {}
    return {"link": upload_url(info_request=info_request), "missing": info_request.message[:120].rstrip(" .")}
