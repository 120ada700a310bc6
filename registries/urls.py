from django.urls import path

from registries import views

app_name = "registries"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("cases/<int:pk>/ask/<slug:code>/", views.case_ask, name="case-ask"),
    path("applicants/<int:pk>/data-access/", views.applicant_data_access, name="applicant-data-access"),
    path("applicants/<int:pk>/desk-check/", views.desk_check, name="desk-check"),
]
