"""The phone link of a request for information: signed (``django.core.signing``), for one case and one request,
valid ``PUBLIC_UPLOAD_LINK_DAYS`` days, dead once the clerk resubmits (the request is answered)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from cases.exceptions import LinkInvalid
from cases.models import Case, CaseEvent, InfoRequest

SALT = "public.upload-link"


def upload_token(*, info_request: InfoRequest) -> str:
    return signing.dumps({"c": info_request.case_id, "r": info_request.pk}, salt=SALT, compress=True)


def upload_url(*, info_request: InfoRequest) -> str:
    path = reverse("public:upload", kwargs={"token": upload_token(info_request=info_request)})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def upload_link_check(*, token: str, case_id: int | None = None) -> InfoRequest:
    """The open request the link was made for; ``LinkInvalid`` (with a reason in ``code``) if it is forged,
    expired, for another case, or already answered."""
    from django.utils.translation import gettext as _

    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PUBLIC_UPLOAD_LINK_DAYS * 86400)
    except signing.SignatureExpired as e:
        raise LinkInvalid(_("This link has expired. Ask the front office for a new one."), reason="expired") from e
    except signing.BadSignature as e:
        raise LinkInvalid(_("This link is not valid."), reason="bad_signature") from e
    if case_id is not None and data.get("c") != case_id:
        raise LinkInvalid(_("This link is for another application."), reason="other_case")
    info_request = (
        InfoRequest.objects.select_related("case__service_type", "case__front_office")
        .filter(pk=data.get("r"), case_id=data.get("c"))
        .first()
    )
    if info_request is None:
        raise LinkInvalid(_("This link is not valid."), reason="unknown")
    if info_request.answered_at is not None or info_request.case.status != Case.Status.NEEDS_INFO:
        raise LinkInvalid(
            _("The documents for this request were already passed on; this link is closed."), reason="used"
        )
    return info_request


def info_request_link_context(case: Case, event: CaseEvent) -> dict:
    """For the "more documents needed" message: the link, and what is missing in the request's words."""
    info_request = case.info_requests.filter(answered_at__isnull=True).order_by("-created_at", "-pk").first()
    if info_request is None:
        return {}
    return {"link": upload_url(info_request=info_request), "missing": info_request.message[:120]}
