from django.urls import path

from outcry.actions.views import action_count_json
from outcry.solidarity import views

urlpatterns = [
    path("solidarity/<slug:slug>/", views.action_detail, name="solidarity-detail"),
    path(
        "solidarity/<slug:slug>/count.json",
        action_count_json,
        {"kind": "solidarity"},
        name="solidarity-count-json",
    ),
    path(
        "solidarity/<slug:slug>/check-your-email/",
        views.check_email,
        name="solidarity-check-email",
    ),
    path(
        "solidarity/confirm/<str:token>/",
        views.message_confirm,
        name="solidarity-message-confirm",
    ),
]
