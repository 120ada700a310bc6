from django.urls import include, path

from frontoffice import views

app_name = "frontoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("", include("frontoffice.batches.urls")),
]
