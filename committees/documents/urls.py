"""Documents' URLs; config/urls.py sets each prefix, once, in the `committees` namespace."""

from django.urls import path

from . import views

# Asking for a session's document, under `seances/`.
session_urlpatterns = [
    path("<int:pk>/documents/<str:kind>/", views.request_document, name="document-request"),
]

# A document's progress, retry and file, under `documents/`.
urlpatterns = [
    path("<int:pk>/etat/", views.status, name="document-status"),
    path("<int:pk>/relancer/", views.retry, name="document-retry"),
    path("<int:pk>/pdf/", views.download, name="document-download"),
]
