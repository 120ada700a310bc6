"""The front office's API (issue: front office). Routes are added here and included under /api/v1/."""

urlpatterns: list = []
