"""Help centre and FAQ routes (namespace "support")."""

from django.urls import path

from .views import faq

urlpatterns = [
    path("", faq.home, name="home"),
    path("faq/", faq.faq_list, name="faq"),
    path("faq/<slug:slug>/", faq.faq_entry, name="faq_entry"),
    path("faq/<slug:slug>/vote/", faq.faq_vote, name="faq_vote"),
]
