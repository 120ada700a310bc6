"""The front office's API (issue: front office). Routes are added here and included under /api/v1/."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("frontoffice.batches.api")),
]
