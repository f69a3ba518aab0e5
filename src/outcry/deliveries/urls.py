from django.urls import path
from django.utils.translation import gettext_lazy as _

from outcry.deliveries import views

urlpatterns = [
    path(_("deliveries/verify/"), views.verify, name="delivery-verify"),
]
