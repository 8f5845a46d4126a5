"""The cashier page. Until the gateways arrive it shows what is to be paid and by when."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orders.selectors import payer_checkout


@login_required
@require_GET
def cashier(request, payment_no: str):
    checkout = payer_checkout(request.user, payment_no)
    return render(request, "payments/cashier.html", {"checkout": checkout})
