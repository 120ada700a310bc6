from django.urls import path

from frontoffice import application_views as views

urlpatterns = [
    path("applicants/<int:pk>/applications/new/", views.application_open, name="application-open"),
    path("applicants/<int:pk>/suggestions/", views.applicant_suggestions, name="applicant-suggestions-part"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/documents/", views.application_documents, name="application-documents"),
    path("applications/<int:pk>/services/", views.application_add_service, name="application-add-service"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/receipt.pdf", views.application_receipt, name="application-receipt"),
]
