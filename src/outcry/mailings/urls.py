from django.urls import path

from outcry.mailings import views

urlpatterns = [
    path("m/<str:token>/unsubscribe/", views.unsubscribe, name="mailing-unsubscribe"),
    path("m/<str:token>/<str:key>/", views.view_in_browser, name="mailing-view"),
]
