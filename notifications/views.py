"""The inbox page, /me/messages/."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import inbox
from .services import mark_read


@login_required
def message_list(request):
    page = Paginator(inbox(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/message_list.html", {"page": page})


@login_required
@require_POST
def mark_all_read(request):
    mark_read(request.user)
    return redirect("notifications:list")
