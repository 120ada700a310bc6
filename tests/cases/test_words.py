"""Words people read first (issue 16): the admin and django-axes in Ukrainian, decisions as acts, the brand in
Cyrillic, the batch source as what happened, the dashboard's months by their Ukrainian names."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_is_branded_and_login_throttling_is_in_ukrainian(client, world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client.force_login(world.admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert "Громада Прийом: адміністрування" in html and "Django" not in html.split("<body")[1].split("</header>")[0]
    assert "Обмеження спроб входу" in html and "Спроби входу" in html and "Access attempts" not in html


def test_decisions_are_offered_as_acts(world):
    from django.utils import translation

    from backoffice.forms import DecideForm
    from cases.models import Case
    from tests.factories import make_case

    case = make_case(world, Case.Status.IN_REVIEW)
    with translation.override("uk"):  # the default language, whatever an earlier test in this process activated
        labels = [str(label) for _value, label in DecideForm(case=case).fields["decision"].choices]
    assert labels == ["Призначити", "Відмовити"]


def test_the_decision_notice_says_what_was_decided(client, world):
    import pypdfium2

    from cases.models import Case
    from tests.factories import make_case

    case = make_case(world, Case.Status.DECIDED)
    client.force_login(world.clerk_a)
    content = client.get(reverse("frontoffice:case-decision-notice", args=[case.pk])).content
    assert "призначити допомогу" in pypdfium2.PdfDocument(content)[0].get_textpage().get_text_range()


def test_the_brand_is_in_cyrillic(client, world):
    client.force_login(world.clerk_a)
    html = client.get(reverse("frontoffice:home")).content.decode()
    assert "Громада Прийом" in html and "Hromada Intake" not in html


def test_the_dashboard_month_is_chosen_by_ukrainian_name(client, world):
    client.force_login(world.accountant)
    html = client.get(reverse("payments:dashboard")).content.decode()
    assert 'type="month"' not in html
    assert any(name in html for name in ("Січень", "Лютий", "Березень", "Грудень", "Листопад", "Жовтень"))


def test_the_scanner_folder_is_shown_as_the_share_not_the_server_path(client, world, settings, tmp_path):
    settings.SCAN_INBOX_ROOT = tmp_path / "srv" / "scan-inbox"
    settings.SCAN_INBOX_SHARE = r"\\hromada\scan"
    client.force_login(world.clerk_a)
    html = client.get(reverse("frontoffice:batch-list")).content.decode()
    assert rf"\\hromada\scan\{world.fo_a.code}" in html and str(tmp_path) not in html


def test_the_kernel_keeps_its_own_name_in_the_admin():
    from django.apps import apps

    assert str(apps.get_app_config("cases").verbose_name) == "Справи (спільне ядро)"
