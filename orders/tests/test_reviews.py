"""Learners confirm completion and review each line once; the order page polls while the
order waits on someone else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from accounts.tests.images import image_bytes
from catalog.models import Review
from orders import services
from orders.errors import ReviewNotAllowed
from orders.models import Order
from orders.tests.factories import order_walked_to

pytestmark = pytest.mark.django_db


def order_in(status: str, *, buyer=None) -> Order:
    return order_walked_to(status, buyer=buyer)


def review_url(order: Order) -> str:
    return f"/orders/{order.order_no}/review/"


def test_the_buyer_confirms_an_order_in_service(client):
    order = order_in("in_service")
    client.force_login(order.buyer)

    response = client.post(f"/orders/{order.order_no}/confirm/")

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_confirming_an_order_not_in_service_changes_nothing(client):
    order = order_in("paid")
    client.force_login(order.buyer)

    client.post(f"/orders/{order.order_no}/confirm/")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_another_learner_cannot_confirm_or_review(client):
    order = order_in("completed")
    client.force_login(UserFactory())
    line = order.lines.get()

    assert client.post(f"/orders/{order.order_no}/confirm/").status_code == 404
    response = client.post(
        review_url(order), {"line": line.pk, "rating": 5, "text": "很好很好很好"}
    )

    assert response.status_code == 404
    assert not Review.objects.exists()


def test_a_completed_line_is_reviewed_once_and_the_rating_follows(client, media_root):
    order = order_in("completed")
    line = order.lines.get()
    client.force_login(order.buyer)
    photo = SimpleUploadedFile("p.png", image_bytes((800, 600)), content_type="image/png")

    response = client.post(
        review_url(order),
        {"line": line.pk, "rating": 4, "text": "老师很耐心，收获很大。", "images": [photo]},
    )

    assert response.status_code == 302
    line.refresh_from_db()
    review = line.review
    assert (review.rating, review.author, review.images.count()) == (4, order.buyer, 1)
    service = line.service
    service.refresh_from_db()
    assert (service.rating_count, service.rating_avg) == (1, 4)

    again = client.post(review_url(order), {"line": line.pk, "rating": 1, "text": "再评一次可以吗"})

    assert again.status_code == 200
    assert Review.objects.count() == 1


def test_an_order_not_completed_cannot_be_reviewed():
    order = order_in("in_service")

    with pytest.raises(ReviewNotAllowed):
        services.review_line(order.lines.get(), by=order.buyer, rating=5, text="提前评价")

    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"rating": 6, "text": "星级不对的评价"},
        {"rating": 0, "text": "星级不对的评价"},
        {"rating": 5, "text": "短"},
        {"rating": 5, "text": ""},
        {"rating": "abc", "text": "星级不是数字"},
    ],
)
def test_bad_review_input_is_a_form_error_and_saves_nothing(client, data):
    order = order_in("completed")
    client.force_login(order.buyer)

    response = client.post(review_url(order), {"line": order.lines.get().pk, **data})

    assert response.status_code == 200
    assert "form__errors" in response.content.decode()
    assert not Review.objects.exists()


def test_a_photo_that_is_not_an_image_saves_no_review(client, media_root):
    order = order_in("completed")
    client.force_login(order.buyer)
    fake = SimpleUploadedFile("p.png", b"not an image", content_type="image/png")

    response = client.post(
        review_url(order),
        {"line": order.lines.get().pk, "rating": 5, "text": "图片是假的哦", "images": [fake]},
    )

    assert response.status_code == 200
    assert not Review.objects.exists()
    line = order.lines.get()
    line.service.refresh_from_db()
    assert line.service.rating_count == 0


def test_seven_photos_are_refused(client, media_root):
    order = order_in("completed")
    client.force_login(order.buyer)
    photos = [
        SimpleUploadedFile(f"p{n}.png", image_bytes((50, 50)), content_type="image/png")
        for n in range(7)
    ]

    response = client.post(
        review_url(order),
        {"line": order.lines.get().pk, "rating": 5, "text": "七张图片太多了", "images": photos},
    )

    assert response.status_code == 200
    assert not Review.objects.exists()


def test_the_status_poll_answers_204_until_the_status_changes(client):
    order = order_in("pending_payment")
    client.force_login(order.buyer)
    url = f"/orders/{order.order_no}/status/"

    assert client.get(url, {"shown": "pending_payment"}).status_code == 204
    services.mark_paid(order.checkout)
    changed = client.get(url, {"shown": "pending_payment"})

    assert changed.status_code == 200
    assert changed["HX-Refresh"] == "true"
    assert client.get(url, {"shown": "paid"}).status_code == 204


def test_the_status_poll_is_404_for_another_learner(client):
    order = order_in("pending_payment")
    client.force_login(UserFactory())

    assert client.get(f"/orders/{order.order_no}/status/").status_code == 404


def test_a_pending_order_page_polls_and_a_completed_one_does_not(client):
    pending = order_in("pending_payment")
    client.force_login(pending.buyer)
    assert "every 5s" in client.get(f"/orders/{pending.order_no}/").content.decode()

    done = order_in("completed", buyer=pending.buyer)
    assert "every 5s" not in client.get(f"/orders/{done.order_no}/").content.decode()
