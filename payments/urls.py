from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("", views.home, name="home"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/<slug:action>/", views.statement_act, name="statement-act"),
    path("statements/<int:pk>/statement.pdf", views.statement_pdf, name="statement-pdf"),
    path("statements/<int:pk>/lines.<slug:fmt>", views.statement_lines_export, name="statement-lines"),
    path("statements/issue-month/", views.issue_month, name="issue-month"),
    path("statements/export/", views.statements_export, name="export"),
    path("accruals/<int:pk>/reverse/", views.accrual_reverse, name="accrual-reverse"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("rates/", views.rates, name="rates"),
    path("rates/<int:pk>/end/", views.rate_end, name="rate-end"),
    path("budget/", views.budget, name="budget"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
