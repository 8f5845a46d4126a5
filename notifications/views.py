"""The inbox page, /me/messages/, and the notification settings, /me/messages/settings/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .forms import PreferencesForm
from .selectors import get_preferences, inbox
from .services import mark_read, set_preferences


@login_required
def message_list(request):
    page = Paginator(inbox(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/message_list.html", {"page": page})


@login_required
@require_POST
def mark_all_read(request):
    mark_read(request.user)
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            set_preferences(request.user, **form.flags())
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:settings")
    else:
        form = PreferencesForm(preferences=get_preferences(request.user))
    return render(request, "notifications/settings.html", {"form": form})
