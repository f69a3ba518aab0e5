from django.urls import path

from outcry.actions import views

urlpatterns = [
    path("petitions/<slug:slug>/", views.petition_detail, name="petition-detail"),
    path(
        "petitions/<slug:slug>/check-email/",
        views.petition_check_email,
        name="petition-check-email",
    ),
    path("confirm/<str:token>/", views.signature_confirm, name="signature-confirm"),
]
