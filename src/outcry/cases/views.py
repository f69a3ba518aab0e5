from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from outcry.cases.hooks import case_page_actions
from outcry.cases.selectors import case_for_page, case_timeline


@require_GET
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = case_for_page(slug=slug)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            # Actions of every registered kind, through a hook: cases may not import actions.
            "actions": case_page_actions(case),
            "timeline": case_timeline(case=case),
        },
    )
