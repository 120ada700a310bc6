"""The back office's API (issue: back office). Routes are added here and included under /api/v1/."""

urlpatterns: list = []
