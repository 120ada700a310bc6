"""The clerk's pages: what they show, what their forms change, and how many queries they take."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Applicant, Case, CaseEvent, Document, InboxMessage, Page, SourceFile
from cases.validators import RNOKPP_EPOCH, rnokpp_check_digit
from frontoffice import services as front
from tests.conftest import stored_files
from tests.factories import add_document, applicant, committed, fill_checklist, image_bytes, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.Status


def rnokpp_for(birth: dt.date, serial: str = "0456") -> str:
    first_nine = f"{(birth - RNOKPP_EPOCH).days:05d}{serial}"
    return first_nine + str(rnokpp_check_digit(first_nine))


@pytest.fixture
def clerk(client, world):
    client.force_login(world.clerk_a)
    return client


def test_home_shows_the_day_and_the_inbox(clerk, world, django_assert_max_num_queries):
    make_case(world)
    needs_info = make_case(world, S.NEEDS_INFO)
    decided = make_case(world, S.DECIDED)
    make_case(world, S.SUBMITTED)
    with django_assert_max_num_queries(16):
        response = clerk.get(reverse("frontoffice:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert needs_info.number in html and decided.number in html
    assert "income certificate is illegible" in html  # the back office's inbox entry
    for _ in range(5):
        make_case(world, S.NEEDS_INFO)
    with django_assert_max_num_queries(16):
        clerk.get(reverse("frontoffice:home"))


def test_inbox_entry_marked_read(clerk, world):
    case = make_case(world, S.NEEDS_INFO)
    message = InboxMessage.objects.get(case=case)
    response = clerk.post(reverse("frontoffice:inbox-read", args=[message.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("frontoffice:case-detail", args=[case.pk])
    message.refresh_from_db()
    assert message.read_at is not None and message.read_by == world.clerk_a


def test_inbox_of_another_community_is_404(client, world):
    case = make_case(world, S.NEEDS_INFO, community="c")
    client.force_login(world.clerk_a)
    message = InboxMessage.objects.get(case=case)
    assert client.post(reverse("frontoffice:inbox-read", args=[message.pk])).status_code == 404


def test_late_drafts_are_flagged(clerk, world):
    from cases import clock

    with clock.travel_to(dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)):  # a Monday
        late = make_case(world)
    with clock.travel_to(dt.datetime(2025, 3, 7, 10, tzinfo=dt.UTC)):  # Friday: past 3 working days
        response = clerk.get(reverse("frontoffice:home"))
    section = response.content.decode().split('id="late"')[1].split("</section>")[0]
    assert late.number in section


@pytest.mark.parametrize("by", ["rnokpp", "passport", "name"])
def test_search_finds_the_person(clerk, world, by, django_assert_max_num_queries):
    birth = dt.date(1980, 2, 3)
    person = applicant(world, rnokpp=rnokpp_for(birth), birth_date=birth, last_name="Бондар")
    query = {
        "rnokpp": {"rnokpp": person.rnokpp},
        "passport": {"passport_number": person.passport_number},
        "name": {"last_name": "бондар", "birth_date": "1980-02-03"},
    }[by]
    with django_assert_max_num_queries(8):
        response = clerk.get(reverse("frontoffice:applicant-search"), query)
    assert reverse("frontoffice:applicant-detail", args=[person.pk]) in response.content.decode()


def test_search_nobody_goes_to_registration_with_the_number(clerk, world):
    number = rnokpp_for(dt.date(1980, 2, 3))
    response = clerk.get(reverse("frontoffice:applicant-search"), {"rnokpp": number})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontoffice:applicant-new") + f"?rnokpp={number}"


def test_search_checks_the_rnokpp_checksum_before_offering_registration(clerk, world):
    response = clerk.get(reverse("frontoffice:applicant-search"), {"rnokpp": "1234567890"})
    assert response.status_code == 200 and "rnokpp" in response.context["form"].errors
    assert reverse("frontoffice:applicant-new") + "?" not in response.content.decode()


def test_search_by_document_number_offers_registration(clerk, world):
    response = clerk.get(reverse("frontoffice:applicant-search"), {"passport_number": "004567891"})
    assert reverse("frontoffice:applicant-new") + "?passport_number=004567891" in response.content.decode()


def test_supervisor_is_not_offered_registration(client, world):
    client.force_login(world.supervisor_a)
    for name in ("frontoffice:home", "frontoffice:applicant-search"):
        assert reverse("frontoffice:applicant-new") not in client.get(reverse(name)).content.decode()


def test_register_and_open_the_case_on_one_screen(clerk, world):
    birth = dt.date(1980, 2, 3)
    response = clerk.post(
        reverse("frontoffice:applicant-new"),
        {"last_name": "Бондар", "first_name": "Іван", "rnokpp": rnokpp_for(birth), "service_type": world.service.pk},
    )
    case = Case.objects.get(applicant__last_name="Бондар")
    assert response["Location"] == reverse("frontoffice:case-detail", args=[case.pk])
    assert case.applicant.birth_date == birth and case.channel == Case.Channel.IN_PERSON and case.status == S.DRAFT


def test_register_has_an_error_summary_linking_to_the_fields_and_marks_optional_ones(clerk, world):
    response = clerk.post(reverse("frontoffice:applicant-new"), {"first_name": "Іван", "phone": "12345"})
    html = response.content.decode()
    assert "data-error-summary" in html
    assert 'href="#id_last_name"' in html and 'href="#id_phone"' in html
    assert "(необов’язково)" in html and 'aria-invalid="true"' in html
    assert not Applicant.objects.exists()


def test_open_case_form_preselects_no_service(clerk, world):
    person = applicant(world)
    html = clerk.get(reverse("frontoffice:applicant-detail", args=[person.pk])).content.decode()
    assert "selected" not in html.split('id="id_service_type"')[1].split("</select>")[0].replace(
        '<option value="" selected>', ""
    )


def test_register_shows_field_errors(clerk, world):
    response = clerk.post(
        reverse("frontoffice:applicant-new"),
        {"last_name": "Бондар", "first_name": "Іван", "birth_date": "1980-02-03", "rnokpp": "1234567890"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "rnokpp" in form.errors
    assert not Applicant.objects.filter(last_name="Бондар").exists()
    response = clerk.post(
        reverse("frontoffice:applicant-new"),
        {
            "last_name": "Бондар",
            "first_name": "Іван",
            "birth_date": "1980-02-03",
            "passport_kind": "booklet",
            "passport_number": "AA12",
        },
    )
    assert "passport_number" in response.context["form"].errors


def test_register_then_open_a_case(clerk, world):
    birth = dt.date(1980, 2, 3)
    response = clerk.post(
        reverse("frontoffice:applicant-new"),
        {"last_name": "Бондар", "first_name": "Іван", "birth_date": "1980-02-03", "rnokpp": rnokpp_for(birth)},
    )
    person = Applicant.objects.get(last_name="Бондар")
    assert response["Location"] == reverse("frontoffice:applicant-detail", args=[person.pk])
    response = clerk.post(response["Location"], {"service_type": world.service.pk, "channel": "in_person"})
    case = Case.objects.get(applicant=person)
    assert response["Location"] == reverse("frontoffice:case-detail", args=[case.pk])
    assert case.front_office == world.fo_a and case.status == S.DRAFT


def test_duplicate_open_case_is_shown_and_needs_a_reason(clerk, world):
    first = make_case(world)
    url = reverse("frontoffice:applicant-detail", args=[first.applicant_id])
    response = clerk.post(url, {"service_type": world.service.pk, "channel": "in_person"})
    assert response.status_code == 200
    assert first.number in response.content.decode()
    assert "duplicate_reason" in response.context["form"].errors
    assert Case.objects.filter(applicant=first.applicant).count() == 1
    response = clerk.post(url, {"service_type": world.service.pk, "channel": "in_person", "duplicate_reason": "Так"})
    assert response.status_code == 302
    assert Case.objects.filter(applicant=first.applicant).count() == 2


def test_applicant_from_another_community_needs_the_identifier(clerk, world):
    person = applicant(world, clerk=world.clerk_c, front_office=world.fo_c)
    url = reverse("frontoffice:applicant-detail", args=[person.pk])
    assert clerk.get(url).status_code == 404
    assert clerk.get(url, {"identifier": person.passport_number}).status_code == 200


def test_case_page_shows_checklist_upload_zones_and_actions(clerk, world, django_assert_max_num_queries):
    case = make_case(world)
    with django_assert_max_num_queries(20):
        response = clerk.get(reverse("frontoffice:case-detail", args=[case.pk]))
    html = response.content.decode()
    for item in case.service_type.checklist.all():
        assert f'id="line-{item.pk}"' in html
    assert 'capture="environment"' in html and "multiple" in html and "data-drop" in html
    assert 'id="submit-case" disabled' in html
    fill_checklist(case, world.clerk_a)
    for _ in range(3):
        add_document(case, world.clerk_a, files=[upload(), upload()])
    with django_assert_max_num_queries(20):
        response = clerk.get(reverse("frontoffice:case-detail", args=[case.pk]))
    html = response.content.decode()
    assert 'id="submit-case"' in html and 'id="submit-case" disabled' not in html
    assert html.count("/thumbnail/") == Page.objects.filter(document__case=case).count()


def test_package_polls_while_pages_are_pending(clerk, world):
    case = make_case(world)
    with committed():
        front.document_add(case=case, document_type=None, files=[upload()], by=world.clerk_a)
    Page.objects.filter(document__case=case).update(status=Page.Status.PENDING)
    url = reverse("frontoffice:case-package", args=[case.pk])
    html = clerk.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" in html and 'class="fo-ph"' in html
    assert 'hx-swap-oob="true"' in html  # checklist badges refresh too
    Page.objects.filter(document__case=case).update(status=Page.Status.READY)
    assert "every 2s" not in clerk.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_plain_upload_redirects_with_a_message(clerk, world, media_root):
    case = make_case(world)
    with committed():
        response = clerk.post(
            reverse("frontoffice:document-upload", args=[case.pk]),
            {"document_type": "passport", "file": [SimpleUploadedFile("a.png", image_bytes())]},
        )
    assert response.status_code == 302
    document = Document.objects.get(case=case)
    assert document.document_type.code == "passport" and document.pages.get().status == Page.Status.READY


def test_script_upload_gets_json_and_refusals_leave_nothing(clerk, world, media_root):
    case = make_case(world)
    url = reverse("frontoffice:document-upload", args=[case.pk])
    good = SimpleUploadedFile("a.png", image_bytes())
    bad = SimpleUploadedFile("b.jpg", b"<html><script>alert(1)</script></html>")
    response = clerk.post(url, {"document_type": "passport", "file": [good, bad]}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "b.jpg" in response.json()["detail"]
    assert not SourceFile.objects.exists() and stored_files(media_root) == []
    response = clerk.post(
        url,
        {"document_type": "passport", "file": [SimpleUploadedFile("c.png", image_bytes())]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201 and response.json()["pages"] == 1


def _pages(case):
    return list(Page.objects.filter(document__case=case).order_by("position"))


def test_page_tools_rotate_move_delete_retry(clerk, world, media_root):
    case = make_case(world)
    document = add_document(case, world.clerk_a, files=[upload(), upload(), upload()])
    first, second, third = _pages(case)
    action = lambda page, name: reverse("frontoffice:page-action", args=[page.pk, name])  # noqa: E731
    with committed():
        response = clerk.post(action(first, "rotate"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="package"' in response.content.decode()
    first.refresh_from_db()
    assert first.rotation == 90 and first.status == Page.Status.READY
    clerk.post(action(third, "up"), HTTP_HX_REQUEST="true")
    assert [p.pk for p in document.pages.order_by("position")] == [first.pk, third.pk, second.pk]
    Page.objects.filter(pk=second.pk).update(status=Page.Status.FAILED, failure_reason="x")
    with committed():
        clerk.post(action(second, "retry"))
    second.refresh_from_db()
    assert second.status == Page.Status.READY
    response = clerk.post(action(second, "delete"))
    assert response.status_code == 302
    assert not Page.objects.filter(pk=second.pk).exists()


def test_page_tools_refused_after_submit(clerk, world):
    case = make_case(world, S.SUBMITTED)
    page = _pages(case)[0]
    response = clerk.post(reverse("frontoffice:page-action", args=[page.pk, "delete"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Page.objects.filter(pk=page.pk).exists()


def test_change_document_type(clerk, world):
    case = make_case(world)
    document = add_document(case, world.clerk_a)
    clerk.post(reverse("frontoffice:document-set-type", args=[document.pk]), {"document_type": "passport"})
    document.refresh_from_db()
    assert document.document_type.code == "passport"


def test_submit_then_receipt(clerk, world):
    case = make_case(world)
    assert clerk.get(reverse("frontoffice:case-receipt", args=[case.pk])).status_code == 302
    fill_checklist(case, world.clerk_a)
    with committed():
        response = clerk.post(reverse("frontoffice:case-submit", args=[case.pk]), {"idempotency_key": "ui-1"})
        clerk.post(reverse("frontoffice:case-submit", args=[case.pk]), {"idempotency_key": "ui-1"})  # double click
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.SUBMITTED and case.package_pdf
    assert CaseEvent.objects.filter(case=case, action="submit").count() == 1
    receipt = clerk.get(reverse("frontoffice:case-receipt", args=[case.pk]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_submit_incomplete_shows_the_reason(clerk, world):
    case = make_case(world)
    response = clerk.post(reverse("frontoffice:case-submit", args=[case.pk]), follow=True)
    assert list(response.context["messages"])
    case.refresh_from_db()
    assert case.status == S.DRAFT


def test_needs_info_shows_the_request_and_resubmits(clerk, world):
    from backoffice import services as back

    case = make_case(world, S.IN_REVIEW)
    item = case.service_type.checklist.first()
    back.case_request_info(case=case, by=world.specialist, message="Довідка нечитабельна", items=[item])
    html = clerk.get(reverse("frontoffice:case-detail", args=[case.pk])).content.decode()
    assert "Довідка нечитабельна" in html and "requested" in html
    # Nothing added yet: "Подати повторно" is there but disabled, with the guard's reason beside it (issue 16 item 11).
    button = re.search(r'<button[^>]*id="resubmit-case"[^>]*>', html).group(0)
    assert "disabled" in button and 'aria-describedby="submit-blocked"' in button
    reason = re.search(r'<p class="error" id="submit-blocked">([^<]+)</p>', html)
    assert reason and reason.group(1).strip()
    add_document(case, world.clerk_a, item.document_types.first())
    html = clerk.get(reverse("frontoffice:case-detail", args=[case.pk])).content.decode()
    assert "disabled" not in re.search(r'<button[^>]*id="resubmit-case"[^>]*>', html).group(0)
    with committed():
        clerk.post(reverse("frontoffice:case-resubmit", args=[case.pk]), {"note": "Додано", "idempotency_key": "r"})
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


def test_hand_over_with_notice(clerk, world):
    case = make_case(world, S.DECIDED)
    html = clerk.get(reverse("frontoffice:case-detail", args=[case.pk])).content.decode()
    assert reverse("frontoffice:case-decision-notice", args=[case.pk]) in html
    notice = clerk.get(reverse("frontoffice:case-decision-notice", args=[case.pk]))
    assert notice.content.startswith(b"%PDF")
    clerk.post(reverse("frontoffice:case-hand-over", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == S.CLOSED


def test_withdraw_needs_a_reason(clerk, world):
    case = make_case(world)
    clerk.post(reverse("frontoffice:case-withdraw", args=[case.pk]), {"reason": ""})
    case.refresh_from_db()
    assert case.status == S.DRAFT
    clerk.post(reverse("frontoffice:case-withdraw", args=[case.pk]), {"reason": "Передумав"})
    case.refresh_from_db()
    assert case.status == S.WITHDRAWN


def test_transfer_register(clerk, world, django_assert_max_num_queries):
    cases = [make_case(world, S.SUBMITTED) for _ in range(3)]
    make_case(world, S.SUBMITTED, community="b")
    with django_assert_max_num_queries(10):
        response = clerk.get(reverse("frontoffice:transfer-register"), {"front_office": world.fo_a.pk})
    html = response.content.decode()
    assert all(c.number in html for c in cases)
    assert Case.objects.get(community=world.b).number not in html
    pdf = clerk.get(reverse("frontoffice:transfer-register"), {"front_office": world.fo_a.pk, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"


def test_case_list_query_count(clerk, world, django_assert_max_num_queries):
    for _ in range(5):
        make_case(world)
    with django_assert_max_num_queries(8):
        response = clerk.get(reverse("frontoffice:case-list"), {"status": "draft"})
    assert response.status_code == 200 and len(response.context["page"].object_list) == 5


def test_other_communities_cases_are_404(client, world):
    case = make_case(world, community="c")
    client.force_login(world.clerk_a)
    assert client.get(reverse("frontoffice:case-detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("frontoffice:case-submit", args=[case.pk])).status_code == 404


def test_receipt_qr_code_holds_the_case_number(clerk, world):
    import pypdfium2
    import zxingcpp

    case = make_case(world, S.SUBMITTED)
    content = clerk.get(reverse("frontoffice:case-receipt", args=[case.pk])).content
    image = pypdfium2.PdfDocument(content)[0].render(scale=2).to_pil()
    assert case.number in [code.text for code in zxingcpp.read_barcodes(image)]
    text = pypdfium2.PdfDocument(content)[0].get_textpage().get_text_range()
    assert case.applicant.last_name in text and case.number in text


def test_polled_package_and_applicant_page_query_counts(clerk, world, django_assert_max_num_queries):
    case = make_case(world)
    for _ in range(4):
        add_document(case, world.clerk_a, files=[upload(), upload()])
    with django_assert_max_num_queries(16):
        response = clerk.get(reverse("frontoffice:case-package", args=[case.pk]), HTTP_HX_REQUEST="true")
    assert response.content.decode().count("/thumbnail/") == 8
    for _ in range(3):
        front.case_open(
            applicant=case.applicant,
            service_type=world.quick_service,
            front_office=world.fo_a,
            by=world.clerk_a,
            duplicate_reason="x",
        )
    # 13 for the page, 4 for the application form (offices, life events with their services, the services) and
    # 1 for the pre-screener (the registries' answers: none here) — issue 13. The pre-screener keeps the catalogue
    # per process: the first page after it is forgotten reads it (2 more); a warm one does not.
    from frontoffice.prescreen import catalogue_forget

    catalogue_forget()
    with django_assert_max_num_queries(20):
        clerk.get(reverse("frontoffice:applicant-detail", args=[case.applicant_id]))
    with django_assert_max_num_queries(18):
        clerk.get(reverse("frontoffice:applicant-detail", args=[case.applicant_id]))


def test_transfer_register_opens_on_the_clerks_own_office(client, world):
    client.force_login(world.clerk_a2)  # a clerk of community A's second (remote) office
    response = client.get(reverse("frontoffice:transfer-register"))
    assert response.context["office"] == world.fo_a2


def test_choosing_a_service_shows_its_checklist(clerk, world):
    person = applicant(world)
    page = clerk.get(reverse("frontoffice:applicant-detail", args=[person.pk])).content.decode()
    assert 'id="checklist-preview"' in page and reverse("frontoffice:service-checklist") in page
    html = clerk.get(reverse("frontoffice:service-checklist"), {"service_type": world.service.pk}).content.decode()
    for item in world.service.checklist.all():
        assert item.title in html
    assert clerk.get(reverse("frontoffice:service-checklist"), {"service_type": "x"}).status_code == 200


def test_home_shows_work_first_and_only_the_newest_inbox_entries(clerk, world):
    from cases.services import inbox_post

    case = make_case(world)
    for n in range(8):
        inbox_post(case=case, kind="needs_info", text=f"message {n}")
    html = clerk.get(reverse("frontoffice:home")).content.decode()
    assert html.index('id="late"') < html.index('id="inbox"')
    assert html.count('name="open"') == 5 and "message 7" in html and "message 0" not in html
    clerk.post(reverse("frontoffice:inbox-read-all"))
    assert not case.inbox_messages.filter(read_at__isnull=True).exists()


def test_a_clerk_of_the_community_corrects_the_persons_data(clerk, client, world):
    person = applicant(world, phone="")
    url = reverse("frontoffice:applicant-edit", args=[person.pk])
    assert url in clerk.get(reverse("frontoffice:applicant-detail", args=[person.pk])).content.decode()
    data = {
        "last_name": "Шевченко-Коваль",
        "first_name": person.first_name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat(),
        "passport_number": person.passport_number,
        "phone": "067 123 45 67",
    }
    response = clerk.post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Шевченко-Коваль" and person.phone == "+380671234567"
    bad = clerk.post(url, {**data, "phone": "12"})
    assert bad.status_code == 200 and "phone" in bad.context["form"].errors
    client.force_login(world.clerk_c)  # another community, no case of theirs there
    assert client.post(url, data).status_code == 404


def test_a_decided_case_shows_a_line_left_empty_as_not_filed_not_as_missing(world, clerk):
    """After the decision nothing can be added, so an empty line is a fact ("not filed"), not a red alarm."""
    case = make_case(world, S.DECIDED)
    Document.objects.filter(case=case).first().delete()
    html = clerk.get(reverse("frontoffice:case-detail", args=[case.pk])).content.decode()
    assert '<span class="fo-line">' in html  # neutral: "not filed"
    assert 'class="fo-line missing"' not in html
