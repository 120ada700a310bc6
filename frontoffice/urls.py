from django.urls import path

from frontoffice import views

app_name = "frontoffice"
urlpatterns = [
    path("", views.home, name="home"),
]
