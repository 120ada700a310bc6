from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from notifications.providers import outbox_only

# Swagger UI under our strict CSP: its start-up script is served as a file from here ('self'), and only this page
# lets Swagger UI's inline styles through. Everything comes from drf-spectacular-sidecar's static files: offline.
api_docs = csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

urlpatterns = [
    path("", include("cases.urls")),
    path("front/", include("frontoffice.urls")),
    path("back/", include("backoffice.urls")),
    path("payments/", include("payments.urls")),
    path("registries/", include("registries.urls")),
    path("rules/", include("eligibility.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("", include("proactive.urls")),
    path("status/", include("public.urls")),
]
# The embedded default's outbox page: only while no real provider is configured (the views check again).
if outbox_only():
    urlpatterns.append(path("_outbox/", include("notifications.urls")))

if settings.REGISTRY_GATEWAY_STANDIN:
    # The exchange gateway stand-in on the same port (the embedded default; docs/registries.md). Never in production
    # unless REGISTRY_GATEWAY_STANDIN=1: its fixture API would let anyone write registry facts.
    from gateway.django_mount import view as gateway_view

    urlpatterns += [path("_gateway/", gateway_view), path("_gateway/<path:rest>", gateway_view)]

handler403 = "cases.views.permission_denied"
handler404 = "cases.views.not_found"
handler500 = "cases.views.server_error"
