"""Ukrainian phone numbers, checked with ``phonenumbers`` and kept in E.164 (+380XXXXXXXXX)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_phone(raw: str) -> str | None:
    """The number in E.164 if it is a valid Ukrainian number (``067 123 45 67``, ``+380671234567``, …), else None."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 30:
        return None
    try:
        number = phonenumbers.parse(raw, "UA")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 380 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_ua_mobile(raw: str) -> str:
    """E.164 of a Ukrainian number that can receive SMS; ``ValidationError`` otherwise."""
    phone = normalize_phone(raw)
    if phone is None:
        raise ValidationError(_("Enter a Ukrainian phone number, e.g. 067 123 45 67."), code="phone")
    kind = phonenumbers.number_type(phonenumbers.parse(phone))
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError(_("This number cannot receive SMS; give a mobile number."), code="phone_not_mobile")
    return phone


def mask_phone(phone: str) -> str:
    """+380671234567 -> +380 67 *** ** 67 (for pages that must not show the whole number)."""
    return f"{phone[:4]} {phone[4:6]} *** ** {phone[-2:]}" if len(phone) == 13 else "***"
