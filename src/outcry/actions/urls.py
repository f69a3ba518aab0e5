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
    path("letters/<slug:slug>/", views.letter_detail, name="letter-detail"),
    path("letters/<slug:slug>/letter.pdf", views.letter_model_pdf, name="letter-model-pdf"),
    path(
        "letters/<slug:slug>/count.json",
        views.action_count_json,
        {"kind": "letter"},
        name="letter-count-json",
    ),
    path(
        "calls/<slug:slug>/count.json",
        views.action_count_json,
        {"kind": "call"},
        name="call-count-json",
    ),
    path("letters/<slug:slug>/check-email/", views.letter_check_email, name="letter-check-email"),
    path("letters/confirm/<str:token>/", views.letter_confirm, name="letter-confirm"),
    path("calls/confirm/<str:token>/", views.call_confirm, name="call-confirm"),
    path("calls/<slug:slug>/", views.call_detail, name="call-detail"),
    path("calls/<slug:slug>/thanks/", views.call_thanks, name="call-thanks"),
]
