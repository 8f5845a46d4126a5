"""/me/membership/: the learner's membership, the plans on sale, and what they bought.

A plan is bought like any service: its card posts to the cart's ``add`` with the plan's
package and ``buy_now``, which goes straight to checkout; paying grants the days
(``loyalty.services.grant_membership``, after the current end when one is running).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors

GRANTS_PER_PAGE = 20


@require_GET
@login_required
@transaction.non_atomic_requests
def membership_page(request):
    grants = Paginator(selectors.membership_grants(request.user), GRANTS_PER_PAGE)
    return render(
        request,
        "loyalty/membership.html",
        {
            # Not "membership": that name is the context processor's (active ones only).
            "own_membership": selectors.membership_of(request.user),
            "plans": list(selectors.plans_on_sale()),
            "grants": grants.get_page(request.GET.get("page")),
        },
    )
