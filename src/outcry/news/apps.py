from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "outcry.news"
    label = "news"
    verbose_name = _("News")

    def ready(self) -> None:
        # Cases and petitions sit below news and cannot call it: their services call the
        # content hook, and news keeps the search index in step from here.
        from outcry.core.content import on_content_deleted, on_content_saved
        from outcry.news.services import content_index, content_unindex

        on_content_saved("news.search", content_index)
        on_content_deleted("news.search", content_unindex)
