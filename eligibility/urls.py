from django.urls import path

from eligibility import views

urlpatterns = [path("dry-run/", views.dry_run_page, name="rules-dry-run-page")]
