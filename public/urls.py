from django.urls import path

from public import views

app_name = "public"
urlpatterns = [
    path("", views.status_start, name="start"),
    path("code/", views.status_code, name="code"),
    path("cases/", views.status_cases, name="cases"),
    path("notice/<str:number>.pdf", views.status_notice, name="notice"),
    path("leave/", views.status_leave, name="leave"),
    path("upload/<str:token>/", views.phone_upload, name="upload"),
]
