"""Mounted at the root: the front office's work list and the ministry's dashboard under /proactive/, the person's
offer page under the status pages (/status/offer/<link>/)."""

from django.urls import path

from proactive import views

app_name = "proactive"
urlpatterns = [
    path("proactive/", views.offer_list, name="list"),
    path("proactive/<int:pk>/accept/", views.offer_accept, name="accept"),
    path("proactive/<int:pk>/decline/", views.offer_decline, name="decline"),
    path("proactive/dashboard/", views.channels_dashboard, name="dashboard"),
    path("proactive/_feed/read/", views.feed_read, name="feed-read"),
    path("status/offer/<str:token>/", views.public_offer, name="public-offer"),
]
