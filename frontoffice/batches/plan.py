"""How a read stack splits: pure data in, pure data out (no database), so the rule can be read in one place.

A cover sheet starts a part (one case); a separator starts a new document within the part, typed when the sheet
names a type; sheets themselves are dropped. Pages before the first cover sheet form part 0, which no case
claims. Empty documents (a cover sheet followed by a separator, two separators in a row) are never made.

A page that looks like one of our sheets but whose codes cannot be read starts a part of its own that no case
claims (it may have been the next applicant's cover sheet: guessing would put one person's papers into
another's case). The page itself is kept, first in that part, for the clerk to see.
"""

from dataclasses import dataclass, field

from frontoffice.batches.codes import Kind, Sheet


@dataclass
class Group:
    """Pages that become one document: ``part`` 0 is before the first cover sheet."""

    part: int
    number: int
    case_numbers: tuple[str, ...]
    document_type: str
    pages: list[int] = field(default_factory=list)
    after_unreadable_sheet: bool = False
    hint: str = ""  # the case number of the part the unreadable sheet interrupted


@dataclass
class Plan:
    groups: list[Group]
    sheets: dict[int, int]  # page number of each sheet -> the part it belongs to


def split(pages: list[tuple[int, Sheet]]) -> Plan:
    """``pages``: (page number, what the page is), in stack order."""
    groups: list[Group] = []
    sheets: dict[int, int] = {}
    part, numbers, document_type, unreadable, hint = 0, (), "", False, ""
    current: Group | None = None
    for number, sheet in pages:
        if sheet.kind == Kind.COVER:
            part, numbers, document_type, unreadable, hint, current = part + 1, sheet.case_numbers, "", False, "", None
            sheets[number] = part
            continue
        if sheet.kind == Kind.SEPARATOR:
            document_type, current = sheet.document_type, None
            sheets[number] = part
            continue
        if sheet.kind == Kind.UNREADABLE_SHEET:
            hint = numbers[0] if len(numbers) == 1 else hint
            part, numbers, document_type, unreadable, current = part + 1, (), "", True, None
        if current is None:
            current = Group(
                part=part,
                number=len(groups) + 1,
                case_numbers=numbers,
                document_type=document_type,
                after_unreadable_sheet=unreadable,
                hint=hint,
            )
            groups.append(current)
        current.pages.append(number)
    return Plan(groups=groups, sheets=sheets)
