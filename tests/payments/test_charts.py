"""Figures on the dashboard speak the page's language (issue 16 item 8: "3.8" beside "5,1")."""

from django.utils import translation

from payments import charts


def test_one_decimal_figures_use_the_ukrainian_comma():
    with translation.override("uk"):
        assert charts.one_decimal(3.84) == "3,8"
        assert charts.one_decimal(None) == "0,0"
        assert charts.money("1234.5") == "1\xa0234,50"
    with translation.override("en"):
        assert charts.one_decimal(3.84) == "3.8"


def test_the_decision_time_chart_shows_commas_in_ukrainian():
    with translation.override("uk"):
        chart = charts.bars("median-decision-days", "t", "d", [("Громада", 3.84)], fmt=charts.one_decimal)
    assert ["Громада", "3,8"] in chart.table
