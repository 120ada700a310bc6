from django.urls import path

from backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("refusals/", views.refusals, name="refusals"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("claim-next/", views.claim_next, name="claim-next"),
    path("bulk/", views.bulk, name="bulk"),
    path("cases/<int:pk>/", views.case_review, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_act, name="case-act"),
]
