from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from outcry.cases.selectors import case_for_page, case_timeline


@require_GET
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = case_for_page(slug=slug)
    petitions = case.petitions.public().select_related("target")
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "petitions": petitions, "timeline": case_timeline(case=case)},
    )
