from django.contrib.auth import views as auth_views
from django.urls import path

from cases import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("files/pages/<int:pk>/image/", views.page_image, name="page-image"),
    path("files/pages/<int:pk>/thumbnail/", views.page_thumbnail, name="page-thumbnail"),
    path("files/originals/<int:pk>/", views.source_file, name="source-file"),
    path("files/cases/<int:pk>/package.pdf", views.case_package_pdf, name="case-package-pdf"),
    path("access-log/", views.access_log, name="access-log"),
    path("healthz", views.healthz, name="healthz"),
]
