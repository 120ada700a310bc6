from django.urls import include, path

from frontoffice import views

app_name = "frontoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("applicants/", views.applicant_search, name="applicant-search"),
    path("applicants/new/", views.applicant_new, name="applicant-new"),
    path("applicants/<int:pk>/", views.applicant_detail, name="applicant-detail"),
    path("applicants/<int:pk>/edit/", views.applicant_edit, name="applicant-edit"),
    path("applicants/<int:pk>/contact/", views.applicant_contact, name="applicant-contact"),
    path("services/checklist/", views.service_checklist, name="service-checklist"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/package/", views.case_package, name="case-package"),
    path("cases/<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("cases/<int:pk>/submit/", views.case_submit, name="case-submit"),
    path("cases/<int:pk>/resubmit/", views.case_resubmit, name="case-resubmit"),
    path("cases/<int:pk>/withdraw/", views.case_withdraw, name="case-withdraw"),
    path("cases/<int:pk>/hand-over/", views.case_hand_over, name="case-hand-over"),
    path("cases/<int:pk>/receipt.pdf", views.case_receipt, name="case-receipt"),
    path("cases/<int:pk>/receipt/", views.case_receipt_page, name="case-receipt-page"),
    path("cases/<int:pk>/submit-and-print/", views.case_submit_print, name="case-submit-print"),
    path("cases/<int:pk>/decision-notice.pdf", views.case_decision_notice, name="case-decision-notice"),
    path("pages/<int:pk>/<slug:action>/", views.page_action, name="page-action"),
    path("documents/<int:pk>/type/", views.document_set_type, name="document-set-type"),
    path("register/", views.transfer_register, name="transfer-register"),
    path("", include("frontoffice.batches.urls")),
    path("", include("frontoffice.application_urls")),  # one application for several services (issue 13)
]
