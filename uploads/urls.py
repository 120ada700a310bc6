from django.urls import path

from uploads import views

urlpatterns = [
    path("uploads/", views.collection, name="tus-uploads"),
    path("uploads/<uuid:guid>/", views.member, name="tus-upload"),
]
