from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from outcry.cases.selectors import case_for_page, case_timeline


@require_GET
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = case_for_page(slug=slug)
    petitions = case.petitions.public()
    # Letter, email and call actions: reverse relations, so cases need not import actions.
    other_actions = [*case.letteractions.public(), *case.callactions.public()]
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "petitions": petitions,
            "other_actions": other_actions,
            "timeline": case_timeline(case=case),
        },
    )
