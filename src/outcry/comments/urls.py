from django.urls import path

from outcry.comments import views

urlpatterns = [
    path("news/<slug:slug>/comments/", views.comment_submit, name="comment-submit"),
    path(
        "news/<slug:slug>/comments/<int:comment_id>/report/",
        views.comment_report,
        name="comment-report",
    ),
    path("comments/delete/<str:token>/", views.comment_delete, name="comment-delete"),
    path("comments/confirm/<str:token>/", views.commenter_prove, name="commenter-prove"),
]
