"""The public search page (/recherche/) and the OpenSearch description browsers pick up."""

from django.core.paginator import Paginator
from django.shortcuts import render

from articles import plans, search
from articles.cache import SEARCH, public_page
from articles.models import Article
from articles.search.forms import SearchForm
from articles.search.query import parse

PER_PAGE = 20
LATEST_COUNT = 10


@public_page(keys=[SEARCH])
@plans.custom_plans
def search_page(request):
    form = SearchForm(request.GET)
    form.is_valid()
    parsed = parse(form.value("q", ""))
    sort = form.value("tri", search.RELEVANCE)
    queryset = form.filter(Article.objects.published())
    context = {"form": form, "query": parsed.text, "parsed": parsed, "sort": sort, "truncated": parsed.truncated}
    if parsed.text:
        results = search.search(parsed, queryset=queryset, sort=sort)
        context["searchable"] = bool(results.compiled)
    elif form.has_filters:
        # Filters alone: browse what they select, newest first.
        results = queryset.for_listing()
        context["searchable"] = True
    else:
        results = None
    if results is not None:
        page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            page_obj=page,
            results=list(page.object_list),
            total=page.paginator.count,
            more=getattr(results, "more", False),
        )
        if not page.paginator.count:
            if parsed.text:
                context["suggestion"] = search.suggest(parsed, queryset=queryset)
            context["latest"] = list(Article.objects.published().for_listing()[:LATEST_COUNT])
    else:
        context["latest"] = list(Article.objects.published().for_listing()[:LATEST_COUNT])
    return render(request, "articles/search.html", context)


@public_page
def opensearch(request):
    return render(request, "articles/opensearch.xml", content_type="application/opensearchdescription+xml")
