"""The ministry's API (issue: payments). Routes are added here and included under /api/v1/."""

urlpatterns: list = []
