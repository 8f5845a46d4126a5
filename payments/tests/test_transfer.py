"""Bank transfer (对公转账) over HTTP: the account page, the receipt upload and its checks,
staff confirming or rejecting it in the admin, and the admin's list of payments."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from accounts.tests.factories import StaffFactory, UserFactory
from notifications.models import Message
from orders.models import Order, OrderEvent
from orders.tests.factories import CheckoutFactory, OrderFactory
from payments import errors, services
from payments.models import GatewayCallback, Method, Payment, TransferVoucher
from payments.tests.factories import placed_checkout

pytestmark = pytest.mark.django_db

PAYER = "杭州知学教育科技有限公司"
VOUCHERS = "/admin/payments/transfervoucher/"
PAYMENTS = "/admin/payments/payment/"
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def transfer_url(checkout) -> str:
    return f"/pay/{checkout.payment_no}/transfer/"


def stored_files(root) -> list:
    return [path for path in Path(root).rglob("*") if path.is_file()]


@pytest.fixture
def checkout(client):
    """A checkout of two orders whose buyer is logged in and chose bank transfer."""
    checkout = placed_checkout("199.00", "88.50")
    client.force_login(checkout.buyer)
    response = client.post(f"/pay/{checkout.payment_no}/start/", {"method": "bank"})
    assert response.status_code == 302
    return checkout


@pytest.fixture
def upload(client, media_root):
    def upload(checkout, content: bytes = b"", name: str = "receipt.png", **data):
        file = SimpleUploadedFile(name, content or png_bytes())
        return client.post(transfer_url(checkout), {"payer_name": PAYER, "file": file, **data})

    return upload


@pytest.fixture
def staff_client():
    """Staff's own browser (the learner keeps ``client``)."""
    client = Client()
    client.staff = StaffFactory(is_superuser=True)
    client.force_login(client.staff)
    return client


def submitted(checkout) -> TransferVoucher:
    payment = Payment.objects.get(checkout=checkout, method=Method.BANK)
    return services.submit_voucher(
        payment, by=checkout.buyer, file=SimpleUploadedFile("r.pdf", MINIMAL_PDF), payer_name=PAYER
    )


# ---- the learner's pages ---------------------------------------------------------------------


def test_choosing_bank_transfer_shows_the_account_amount_and_payment_number(client):
    checkout = placed_checkout("199.00", "88.50")
    client.force_login(checkout.buyer)
    cashier = client.get(f"/pay/{checkout.payment_no}/")
    assert b'value="bank"' in cashier.content

    response = client.post(f"/pay/{checkout.payment_no}/start/", {"method": "bank"})

    assert response.status_code == 302
    assert response["Location"] == transfer_url(checkout)
    page = client.get(transfer_url(checkout))
    assert page.status_code == 200
    body = page.content.decode()
    account = settings.BANK_TRANSFER_ACCOUNT
    for text in (account["name"], account["bank"], account["number"]):
        assert text in body
    assert "¥287.50" in body
    assert checkout.payment_no in body
    assert 'type="file"' in body


def test_a_photo_of_the_receipt_is_stored_and_staff_are_told(client, checkout, upload, media_root):
    staff = StaffFactory()

    response = upload(checkout, png_bytes(), "回单.png", note="第一笔")

    assert response.status_code == 302
    assert response["Location"] == transfer_url(checkout)
    voucher = TransferVoucher.objects.get()
    assert voucher.status == TransferVoucher.Status.SUBMITTED
    assert voucher.payer_name == PAYER
    assert voucher.note == "第一笔"
    assert voucher.payment.checkout == checkout
    assert voucher.file.name.startswith("vouchers/") and voucher.file.name.endswith(".jpg")
    with Image.open(voucher.file.path) as image:
        assert image.format == "JPEG"  # re-encoded, never the bytes sent
    # Private: kept out of MEDIA_ROOT, so the web server can never hand it out.
    assert stored_files(media_root) == []
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == [Path(voucher.file.path)]
    message = Message.objects.get(user=staff, event="transfer_submitted")
    assert message.context["payment_no"] == checkout.payment_no
    assert message.url == f"{VOUCHERS}{voucher.pk}/change/"
    page = client.get(transfer_url(checkout))
    assert 'type="file"' not in page.content.decode()  # awaiting review: no second form


def test_a_pdf_receipt_is_stored(checkout, upload, media_root):
    response = upload(checkout, MINIMAL_PDF, "回单.pdf")

    assert response.status_code == 302
    voucher = TransferVoucher.objects.get()
    assert voucher.file.name.endswith(".pdf")
    assert voucher.file.read() == MINIMAL_PDF


@pytest.mark.parametrize(
    "name, content",
    [
        ("receipt.png", b"this is not an image, only text with a .png name\n"),
        (
            "receipt.pdf",
            MINIMAL_PDF.replace(b"trailer", b"<< /JavaScript (app.alert(1)) >>\ntrailer"),
        ),
        ("receipt.pdf", MINIMAL_PDF[: -len(b"%%EOF\n")]),
        ("receipt.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"),
    ],
    ids=["text-as-png", "pdf-with-javascript", "truncated-pdf", "over-10-mb"],
)
def test_a_bad_receipt_is_refused_and_nothing_is_stored(
    checkout, upload, private_media_root, name, content
):
    response = upload(checkout, content, name)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not TransferVoucher.objects.exists()
    assert stored_files(private_media_root) == []


def test_a_receipt_without_the_payer_name_is_refused(checkout, client, media_root):
    response = client.post(
        transfer_url(checkout), {"payer_name": "", "file": SimpleUploadedFile("r.pdf", MINIMAL_PDF)}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["payer_name"]
    assert not TransferVoucher.objects.exists()


def test_a_second_receipt_while_one_awaits_review_is_refused(checkout, upload, private_media_root):
    upload(checkout)

    response = upload(checkout, MINIMAL_PDF, "again.pdf")

    assert response.status_code == 200
    assert gettext("Your receipt is already being checked.") in response.content.decode()
    assert TransferVoucher.objects.count() == 1
    assert len(stored_files(private_media_root)) == 1


def test_another_learner_gets_404_for_the_transfer_page(client, checkout, media_root):
    client.force_login(UserFactory())

    assert client.get(transfer_url(checkout)).status_code == 404
    response = client.post(
        transfer_url(checkout),
        {"payer_name": PAYER, "file": SimpleUploadedFile("r.pdf", MINIMAL_PDF)},
    )
    assert response.status_code == 404
    assert not TransferVoucher.objects.exists()


# ---- staff review it -------------------------------------------------------------------------


def test_staff_confirm_a_transfer_in_the_admin_and_the_orders_are_paid(
    checkout, staff_client, media_root, django_capture_on_commit_callbacks
):
    voucher = submitted(checkout)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            VOUCHERS, {"action": "confirm", "_selected_action": [voucher.pk]}
        )

    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.status == TransferVoucher.Status.CONFIRMED
    assert voucher.reviewed_by == staff_client.staff
    payment = voucher.payment
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.gateway_trade_no == f"V{voucher.pk}"
    assert list(checkout.orders.values_list("status", flat=True)) == [Order.Status.PAID] * 2
    callback = GatewayCallback.objects.get()
    assert callback.kind == GatewayCallback.Kind.TRANSFER
    assert callback.method == Method.BANK
    assert callback.amount == Decimal("287.50")
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert Message.objects.filter(user=checkout.buyer, event="order_paid").count() == 2


def test_confirming_a_transfer_twice_changes_things_once(
    checkout, staff_client, media_root, django_capture_on_commit_callbacks
):
    voucher = submitted(checkout)
    confirm = {"action": "confirm", "_selected_action": [voucher.pk]}

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(VOUCHERS, confirm)
        again = staff_client.post(VOUCHERS, confirm, follow=True)

    assert gettext("This receipt has already been reviewed.") in again.content.decode()
    with pytest.raises(errors.PaymentError):
        services.confirm_transfer(voucher, by=staff_client.staff)
    assert GatewayCallback.objects.count() == 1
    assert OrderEvent.objects.filter(order__checkout=checkout, event="pay").count() == 2
    assert Message.objects.filter(user=checkout.buyer, event="order_paid").count() == 2


def test_staff_reject_a_transfer_with_a_reason_and_the_learner_may_upload_again(
    client, checkout, media_root
):
    voucher = submitted(checkout)
    buyer = checkout.buyer
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    selected = {"action": "reject", "_selected_action": [voucher.pk]}

    form_page = client.post(VOUCHERS, selected)
    assert form_page.status_code == 200
    assert b'name="reason"' in form_page.content
    voucher.refresh_from_db()
    assert voucher.status == TransferVoucher.Status.SUBMITTED  # nothing until applied
    response = client.post(VOUCHERS, {**selected, "apply": "1", "reason": "未查到该笔入账"})

    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.status == TransferVoucher.Status.REJECTED
    assert voucher.reject_reason == "未查到该笔入账"
    assert voucher.reviewed_by == staff
    message = Message.objects.get(user=buyer, event="transfer_rejected")
    assert message.context["reason"] == "未查到该笔入账"
    assert message.url == transfer_url(checkout)
    assert (
        list(checkout.orders.values_list("status", flat=True)) == [Order.Status.PENDING_PAYMENT] * 2
    )

    client.force_login(buyer)
    page = client.get(transfer_url(checkout))
    assert "未查到该笔入账" in page.content.decode()
    again = client.post(
        transfer_url(checkout),
        {"payer_name": PAYER, "file": SimpleUploadedFile("r.pdf", MINIMAL_PDF)},
    )
    assert again.status_code == 302
    assert TransferVoucher.objects.filter(status=TransferVoucher.Status.SUBMITTED).count() == 1


def test_a_rejection_needs_a_reason(staff_client, checkout, media_root):
    voucher = submitted(checkout)

    response = staff_client.post(
        VOUCHERS, {"action": "reject", "_selected_action": [voucher.pk], "apply": "1", "reason": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    voucher.refresh_from_db()
    assert voucher.status == TransferVoucher.Status.SUBMITTED


# ---- the admin's list of payments ------------------------------------------------------------


def a_payment(**fields) -> Payment:
    checkout = fields.pop("checkout", None) or CheckoutFactory()
    values = {
        "method": Method.ALIPAY,
        "channel": Payment.Channel.PAGE,
        "amount": Decimal("199.00"),
        "out_trade_no": f"{checkout.payment_no}A01",
    }
    return Payment.objects.create(checkout=checkout, **values | fields)


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_admin_finds_a_payment_by_payment_order_or_gateway_trade_number(staff_client):
    order = OrderFactory()
    OrderFactory(checkout=order.checkout)  # a second order: still one row
    payment = a_payment(
        checkout=order.checkout, status=Payment.Status.PAID, gateway_trade_no="2026052022001400001"
    )
    a_payment(gateway_trade_no="2026052022001400999")

    for query in [order.checkout.payment_no, order.order_no, "2026052022001400001"]:
        assert listed(staff_client.get(PAYMENTS, {"q": query})) == [payment], query


def test_the_admin_filters_payments_by_method_status_and_attention(staff_client):
    wechat = a_payment(method=Method.WECHAT, channel=Payment.Channel.NATIVE)
    paid = a_payment(status=Payment.Status.PAID, paid_at=timezone.now())
    flagged = a_payment(is_flagged=True, flag_reason="amount 1.00 differs")

    assert listed(staff_client.get(PAYMENTS, {"method__exact": "wechat"})) == [wechat]
    assert listed(staff_client.get(PAYMENTS, {"status__exact": "paid"})) == [paid]
    assert listed(staff_client.get(PAYMENTS, {"is_flagged__exact": "1"})) == [flagged]


def test_the_payment_list_runs_a_bounded_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    for _ in range(20):
        a_payment()
    staff_client.get(PAYMENTS)  # warm what a first request fills (session, content types)

    # Session, user, counts, the page of payments with their checkouts, date hierarchy:
    # none of them per payment.
    with django_assert_max_num_queries(10):
        response = staff_client.get(PAYMENTS)

    assert len(listed(response)) == 20


def test_staff_open_the_private_receipt_from_the_voucher_page(
    client, checkout, upload, staff_client
):
    upload(checkout, MINIMAL_PDF, "回单.pdf")
    voucher = TransferVoucher.objects.get()

    page = staff_client.get(f"{VOUCHERS}{voucher.pk}/change/")
    payment_page = staff_client.get(f"{PAYMENTS}{voucher.payment.pk}/change/")
    receipt = staff_client.get(f"{VOUCHERS}{voucher.pk}/receipt/")

    link = f"{VOUCHERS}{voucher.pk}/receipt/"
    assert page.status_code == 200 and link in page.content.decode()
    assert payment_page.status_code == 200 and link in payment_page.content.decode()
    assert receipt.status_code == 200
    assert b"".join(receipt.streaming_content) == MINIMAL_PDF
    assert receipt["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in receipt["Cache-Control"]
    # The payer, or anyone else not staff, is sent to sign in as staff: never the file.
    assert client.get(link).status_code == 302
    assert staff_client.get(f"{VOUCHERS}{voucher.pk + 1}/receipt/").status_code == 404


def test_a_learner_cannot_open_the_payment_admin(client):
    client.force_login(UserFactory())

    response = client.get(PAYMENTS)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
