"""/api/v1/: each app contributes its own routes; the kernel's come first (auth, catalog)."""

from django.urls import include, path

urlpatterns = [
    path("", include("cases.api.urls")),
    path("", include("registries.api")),
    path("", include("eligibility.api")),
    path("", include("frontoffice.api")),
    path("", include("backoffice.api")),
    path("", include("payments.api")),
    path("", include("notifications.api")),
    path("", include("public.api")),
    path("", include("proactive.api")),
    path("", include("uploads.urls")),
]
