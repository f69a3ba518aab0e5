from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "outcry.comments"
    label = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from outcry.comments import personal_data as comments_data
        from outcry.supporters import personal_data

        personal_data.register(
            "comments",
            export=comments_data.comments_export,
            erase=comments_data.comments_erase,
            models=("comments.comment", "comments.commentreport", "comments.commenteraddress"),
            retain=comments_data.comments_retain,
            retains=("comments.comment", "comments.commentreport", "comments.commenteraddress"),
        )
