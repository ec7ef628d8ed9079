"""The source viewset, read-only: ``list`` and ``retrieve`` as PostHog serves them (source viewset and source_setup.py).

Writes (create, update, destroy) exist in PostHog but are not emulated: after the scope and object checks
they answer 405, so nothing that looks like a source change ever succeeds here.
"""

from __future__ import annotations

from .context import Reply, RequestContext, can_view
from .errors import method_not_allowed
from .listing import page_from_query, paginate, search_terms
from .models import Source
from .source_serialize import serialize_source


def list_sources(ctx: RequestContext) -> Reply:
    state = ctx.state
    sources = [
        source
        for source in state.sources.values()
        if source.team_id == ctx.team.id and can_view(source.user_access_level)
    ]
    sources.sort(key=lambda source: source.created_at.timestamp() if source.created_at else 0, reverse=True)
    sources = [source for source in sources if _matches(source, ctx.query.get("search"))]
    page = paginate(sources, page_from_query(ctx.query), ctx.absolute_url)
    page["results"] = [serialize_source(state, source, schemas_list_only=True) for source in page["results"]]
    return Reply(200, page)


def retrieve_source(ctx: RequestContext, pk: str) -> Reply:
    source = ctx.get_source(pk)
    return Reply(200, serialize_source(ctx.state, source, schemas_list_only=False))


def create_source(ctx: RequestContext) -> Reply:
    raise method_not_allowed(ctx.method)


def change_source(ctx: RequestContext, pk: str) -> Reply:
    ctx.get_source(pk)
    raise method_not_allowed(ctx.method)


def _matches(source: Source, raw: str | None) -> bool:
    """DRF SearchFilter over ``source_type`` and ``prefix``: every term in one of them, case-insensitive."""
    fields = [value.lower() for value in (source.source_type, source.prefix) if value]
    return all(any(term.lower() in field for field in fields) for term in search_terms(raw))


SOURCE_LIST_HANDLERS = {"list": list_sources, "create": create_source}
SOURCE_DETAIL_HANDLERS = {
    "retrieve": retrieve_source,
    "update": change_source,
    "partial_update": change_source,
    "destroy": change_source,
}
