"""Who acts on a batch: a clerk of its front office (or community), and the scanner account a watched folder acts as."""

from django.utils.translation import gettext as _

from cases.access import access_for
from cases.exceptions import NotPermitted
from cases.models import FrontOffice, Membership, User
from frontoffice.models import ScanBatch


def require_clerk_of(front_office: FrontOffice, by) -> None:
    if front_office.pk not in access_for(by).clerk_front_office_ids:
        raise NotPermitted(_("Only a clerk of this front office can do this."))


def require_clerk_of_batch(batch: ScanBatch, by) -> None:
    if batch.front_office.community_id not in access_for(by).clerk_community_ids:
        raise NotPermitted(_("Only a clerk of the batch's community can do this."))


def scanner_user(*, front_office: FrontOffice) -> User:
    """The account a front office's scanner folder acts as: a clerk of that office who cannot sign in. The
    documents it adds are attributed to it in the case timeline as "Сканер <office>" (stored data, so in the state
    language, like the offices' names)."""
    user, created = User.objects.get_or_create(
        username=f"scanner.{front_office.code}",
        defaults={"first_name": "Сканер", "last_name": front_office.name[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, role=Membership.Role.CLERK, front_office=front_office)
    return user
