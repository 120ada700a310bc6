"""What the barcodes on our sheets say, and what a barcode read from a scanned page means.

A cover sheet carries ``HIC:<case number>`` (QR and Code 128); a document separator ``HID:<document type code>``
(QR and Code 128); the standard PATCH-T sheet carries ``PATCHT`` (Code 39) and is a separator that names no
type. The prefixes matter: a receipt or notice the applicant brings back carries the bare case number in a QR,
and must stay a page of the package rather than be taken for a cover sheet and dropped.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

COVER_PREFIX = "HIC:"
SEPARATOR_PREFIX = "HID:"
PATCH_T = "PATCHT"
# <community KATOTTG>-<year>-<sequence> (cases.services.case_number_next). A linear code misread into another
# shape is dropped here rather than taken for another case's number.
CASE_NUMBER = re.compile(r"UA\d{6,17}-\d{4}-\d{1,10}")


@dataclass(frozen=True)
class Code:
    """One code read on a page: ``matrix`` for a QR code (Reed-Solomon protected), else a linear barcode."""

    text: str
    matrix: bool = False


class Kind(StrEnum):
    COVER = "cover"
    SEPARATOR = "separator"
    CONTENT = "content"
    # No code could be read, but the page has the black band of our sheets: probably a spoiled sheet.
    UNREADABLE_SHEET = "unreadable_sheet"


@dataclass(frozen=True)
class Sheet:
    """What a page is: a cover sheet for ``case_number``, a separator (typed when ``document_type`` is set), or
    content. ``case_numbers`` holds every distinct number when one page carried several (it routes nowhere)."""

    kind: Kind
    case_numbers: tuple[str, ...] = ()
    document_type: str = ""

    @property
    def case_number(self) -> str:
        return self.case_numbers[0] if len(self.case_numbers) == 1 else ""


CONTENT = Sheet(Kind.CONTENT)
UNREADABLE_SHEET = Sheet(Kind.UNREADABLE_SHEET)


def cover_payload(case_number: str) -> str:
    return f"{COVER_PREFIX}{case_number}"


def separator_payload(document_type_code: str) -> str:
    return f"{SEPARATOR_PREFIX}{document_type_code}"


def classify(found: list[Code]) -> Sheet:
    """The meaning of every code read on one page, taken together: a page with several codes is one sheet at
    most (a cover sheet outranks a separator), so it splits the stack once. Codes of neither kind are ignored.
    When a QR code names the case, linear codes that disagree with it are not believed."""
    matrix_numbers: list[str] = []
    linear_numbers: list[str] = []
    types: list[str] = []
    plain = False
    for code in found:
        text = code.text.strip()
        upper = text.upper()
        if upper.startswith(COVER_PREFIX):
            number = text[len(COVER_PREFIX) :].strip().upper()
            numbers = matrix_numbers if code.matrix else linear_numbers
            if CASE_NUMBER.fullmatch(number) and number not in numbers:
                numbers.append(number)
        elif upper.startswith(SEPARATOR_PREFIX):
            type_code = text[len(SEPARATOR_PREFIX) :].strip().lower()
            if type_code and type_code not in types:
                types.append(type_code)
            plain = plain or not type_code
        elif upper.replace(" ", "").replace("-", "") == PATCH_T:
            plain = True
    numbers = matrix_numbers or linear_numbers
    if numbers:
        return Sheet(Kind.COVER, case_numbers=tuple(numbers))
    if types or plain:
        # Two different typed separators on one sheet name no single type: a plain separator.
        return Sheet(Kind.SEPARATOR, document_type=types[0] if len(types) == 1 else "")
    return CONTENT
