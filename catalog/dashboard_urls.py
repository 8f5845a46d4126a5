"""/dashboard/ pages that belong to the catalogue: the listing editor, the provider's
instructors and reviews."""

from django.urls import path

from . import dashboard, listings

app_name = "dashboard_catalog"

urlpatterns = [
    path("services/", listings.listing_list, name="listings"),
    path("services/new/", listings.listing_create, name="listing_create"),
    path("services/instructors/", listings.instructor_list, name="instructors"),
    path("services/instructors/new/", listings.instructor_edit, name="instructor_create"),
    path(
        "services/instructors/<int:instructor_id>/",
        listings.instructor_edit,
        name="instructor_edit",
    ),
    path(
        "services/instructors/<int:instructor_id>/delete/",
        listings.instructor_delete,
        name="instructor_delete",
    ),
    path("services/<slug:slug>/", listings.listing_details, name="listing_details"),
    path("services/<slug:slug>/media/", listings.listing_media, name="listing_media"),
    path(
        "services/<slug:slug>/media/images/",
        listings.listing_add_images,
        name="listing_add_images",
    ),
    path("services/<slug:slug>/media/video/", listings.listing_add_video, name="listing_add_video"),
    path("services/<slug:slug>/history/", listings.listing_history, name="listing_history"),
    *(
        path(
            f"services/<slug:slug>/{part}/",
            listings.listing_rows,
            {"part": part},
            name=f"listing_{part}",
        )
        for part in listings.ROW_SECTIONS
    ),
    *(
        path(
            f"services/<slug:slug>/{action}/",
            listings.listing_move,
            {"action": action},
            name=f"listing_{action}",
        )
        for action in listings.MOVE_MESSAGES
    ),
    path("reviews/", dashboard.review_list, name="reviews"),
    path("reviews/<int:review_id>/reply/", dashboard.reply, name="reply"),
]
