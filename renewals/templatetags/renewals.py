"""``{% renewal_links case "frontoffice:case-detail" %}`` on the case pages and ``{% renewals_needing_person %}`` on
the clerk's home: the offices load the tags; nothing in an office imports this app's code."""

from django import template

from renewals import selectors

register = template.Library()


@register.inclusion_tag("renewals/partials/links.html")
def renewal_links(case, url_name: str):
    return {"url_name": url_name, **selectors.renewal_links(case=case)}


@register.inclusion_tag("renewals/partials/needing_person.html", takes_context=True)
def renewals_needing_person(context):
    user = context["request"].user
    renewals = list(selectors.renewals_needing_person(user=user))
    names = selectors.document_type_names({code for r in renewals for code in r.what_to_bring})
    for renewal in renewals:
        renewal.bring = ", ".join(names.get(code, code) for code in renewal.what_to_bring)
    return {"renewals": renewals}
