from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.outbox_page, name="outbox"),
    path("messages.json", views.outbox_json, name="outbox-json"),
]
