"""Ukrainian identifiers: pure functions and Django validators (docs/product.md §4, §2).

Messages are translatable; every validator raises ``ValidationError`` with a ``code`` so the API can return it.
"""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RNOKPP_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
RNOKPP_EPOCH = date(1899, 12, 31)  # digits 1-5 count days since this date
KATOTTG_RE = re.compile(r"^UA\d{17}$")
UNZR_RE = re.compile(r"^(\d{8})-(\d{5})$")
PASSPORT_BOOKLET_RE = re.compile(r"^[А-ЯҐЄІЇ]{2}\d{6}$")
ID_CARD_RE = re.compile(r"^\d{9}$")


def rnokpp_check_digit(first_nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_nine, RNOKPP_WEIGHTS, strict=True))
    return (total % 11) % 10


def rnokpp_is_valid(value: str) -> bool:
    return bool(re.fullmatch(r"\d{10}", value or "")) and rnokpp_check_digit(value[:9]) == int(value[9])


def rnokpp_birth_date(value: str) -> date:
    """The birth date encoded in an RNOKPP (digits 1-5 are days since 1899-12-31)."""
    return RNOKPP_EPOCH + timedelta(days=int(value[:5]))


def validate_rnokpp(value: str) -> None:
    if not re.fullmatch(r"\d{10}", value or ""):
        raise ValidationError(_("The RNOKPP must be exactly 10 digits."), code="rnokpp_format")
    if not rnokpp_is_valid(value):
        raise ValidationError(
            _("This RNOKPP has a wrong check digit; please check the number."), code="rnokpp_checksum"
        )


def validate_rnokpp_matches_birth_date(rnokpp: str, birth_date: date) -> None:
    if rnokpp_birth_date(rnokpp) != birth_date:
        raise ValidationError(
            _("The RNOKPP does not match the date of birth (it encodes %(encoded)s)."),
            code="rnokpp_birth_date",
            params={"encoded": rnokpp_birth_date(rnokpp).strftime("%d.%m.%Y")},
        )


def validate_katottg(value: str) -> None:
    if not KATOTTG_RE.fullmatch(value or ""):
        raise ValidationError(_("A KATOTTG code is 'UA' followed by 17 digits."), code="katottg_format")


def validate_unzr(value: str) -> None:
    match = UNZR_RE.fullmatch(value or "")
    if not match:
        raise ValidationError(_("The UNZR is written YYYYMMDD-NNNNN."), code="unzr_format")
    try:
        unzr_birth_date(value)
    except ValueError:
        raise ValidationError(_("The UNZR does not start with a real date."), code="unzr_date") from None


def unzr_birth_date(value: str) -> date:
    digits = value[:8]
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def validate_passport_booklet(value: str) -> None:
    if not PASSPORT_BOOKLET_RE.fullmatch(value or ""):
        raise ValidationError(
            _("A passport booklet number is two Cyrillic capital letters and six digits, e.g. АА123456."),
            code="passport_booklet_format",
        )


def validate_id_card(value: str) -> None:
    if not ID_CARD_RE.fullmatch(value or ""):
        raise ValidationError(_("An ID-card number is nine digits."), code="id_card_format")


def validate_printable(value: str) -> None:
    """No control characters (tabs and line breaks aside): they corrupt printouts, exports and logs."""
    if any(not (ch.isprintable() or ch in "\t\n\r") for ch in value or ""):
        raise ValidationError(_("This text contains control characters; type it again."), code="control_characters")


# Latin capitals that look like Cyrillic ones: a booklet series typed on a Latin keyboard layout reads the same.
LATIN_LOOKALIKES = str.maketrans("ABCEHIKMOPTXY", "АВСЕНІКМОРТХУ")


def passport_number_normalised(value: str) -> str:
    """The number as the document prints it: no spaces or dashes, capitals, a Latin look-alike series in Cyrillic."""
    value = re.sub(r"[\s\-]", "", value or "").upper()
    if re.fullmatch(r"[A-ZА-ЯҐЄІЇ]{2}\d{6}", value):
        value = value[:2].translate(LATIN_LOOKALIKES) + value[2:]
    return value


def passport_kind_for(number: str) -> str:
    """The document a number's shape tells: ``booklet`` (2 Cyrillic letters + 6 digits), ``id_card`` (9 digits)."""
    if PASSPORT_BOOKLET_RE.fullmatch(number or ""):
        return "booklet"
    if ID_CARD_RE.fullmatch(number or ""):
        return "id_card"
    return ""


def phone_normalised(value: str) -> str:
    """A Ukrainian phone number as +380XXXXXXXXX; anything else is returned as typed (stripped) for the check."""
    digits = re.sub(r"[\s()\-.]", "", value or "")
    if re.fullmatch(r"0\d{9}", digits):
        return "+38" + digits
    if re.fullmatch(r"380\d{9}", digits):
        return "+" + digits
    return digits if re.fullmatch(r"\+380\d{9}", digits) else (value or "").strip()


def validate_phone(value: str) -> None:
    if value and not re.fullmatch(r"\+380\d{9}", value):
        raise ValidationError(
            _("Give a Ukrainian phone number: +380 XX XXX XX XX or 0XX XXX XX XX."), code="phone_format"
        )
