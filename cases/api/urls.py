from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("service-types", views.ServiceTypeViewSet, basename="service-type")
router.register("document-types", views.DocumentTypeViewSet, basename="document-type")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    *router.urls,
]
