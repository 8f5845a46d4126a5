"""The help centre and FAQ routes of /support/ (namespace "support", see support.urls)."""

urlpatterns = []
