from django.urls import path

from outcry.core.public_cache import cached_public_page
from outcry.news import feeds, views

urlpatterns = [
    path("news/", views.news_index, name="news-index"),
    path("news/<slug:slug>/", views.post_detail, name="post-detail"),
    path("countries/<str:code>/", cached_public_page(views.country_detail), name="country-detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic-detail"),
    path("search/", views.search, name="search"),
    path("feeds/rss/", feeds.site_rss, name="feed-site-rss"),
    path("feeds/atom/", feeds.site_atom, name="feed-site-atom"),
    path(
        "feeds/countries/<str:code>/rss/",
        cached_public_page(feeds.country_rss),
        name="feed-country-rss",
    ),
    path(
        "feeds/countries/<str:code>/atom/",
        cached_public_page(feeds.country_atom),
        name="feed-country-atom",
    ),
    path("feeds/topics/<slug:slug>/rss/", feeds.topic_rss, name="feed-topic-rss"),
    path("feeds/topics/<slug:slug>/atom/", feeds.topic_atom, name="feed-topic-atom"),
    path("feeds/cases/<slug:slug>/rss/", feeds.case_rss, name="feed-case-rss"),
    path("feeds/cases/<slug:slug>/atom/", feeds.case_atom, name="feed-case-atom"),
]
