from django.urls import path

from outcry.cases import views

urlpatterns = [
    path("cases/<slug:slug>/", views.case_detail, name="case-detail"),
]
