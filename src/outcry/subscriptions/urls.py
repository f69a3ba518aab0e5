from django.urls import path

from outcry.subscriptions import views

urlpatterns = [
    path("subscribe/countries/<str:code>/", views.subscribe_country, name="subscribe-country"),
    path("subscribe/topics/<slug:slug>/", views.subscribe_topic, name="subscribe-topic"),
    path("subscribe/cases/<slug:slug>/", views.subscribe_case, name="subscribe-case"),
    path("subscribe/check-email/", views.subscribe_check_email, name="subscribe-check-email"),
    path("subscribe/confirm/<str:token>/", views.subscription_confirm, name="subscription-confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path(
        "preferences/<str:token>/unsubscribe/",
        views.preferences_unsubscribe_all,
        name="preferences-unsubscribe-all",
    ),
    path("preferences/<str:token>/my-data/", views.preferences_my_data, name="preferences-my-data"),
    path("preferences/<str:token>/erase/", views.preferences_erase, name="preferences-erase"),
    path("erase/<str:token>/", views.erasure_confirm, name="erasure-confirm"),
]
