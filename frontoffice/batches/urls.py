"""Batch pages, included into ``frontoffice.urls`` (names live in the ``frontoffice`` namespace)."""

from django.urls import path

from frontoffice.batches import views

urlpatterns = [
    path("scan-batches/", views.batch_list, name="batch-list"),
    path("scan-batches/upload/", views.batch_upload, name="batch-upload"),
    path("scan-batches/separators.pdf", views.separator_sheets, name="separator-sheets"),
    path("scan-batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("scan-batches/<int:pk>/progress/", views.batch_progress, name="batch-progress"),
    path("scan-batches/<int:pk>/assign/", views.batch_assign, name="batch-assign"),
    path("scan-batches/<int:pk>/discard/", views.batch_discard, name="batch-discard"),
    path("scan-batches/<int:pk>/retry/", views.batch_retry, name="batch-retry"),
    path(
        "scan-batches/<int:pk>/documents/<int:document_id>/type/",
        views.batch_document_label,
        name="batch-document-label",
    ),
    path(
        "scan-batches/<int:pk>/pages/<int:number>/thumbnail/",
        views.batch_page_thumbnail,
        name="batch-page-thumbnail",
    ),
    path("cases/<int:pk>/cover-sheet.pdf", views.case_cover_sheet, name="case-cover-sheet"),
]
