"""Help centre and FAQ routes (namespace "support")."""

urlpatterns = []
