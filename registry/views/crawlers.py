"""/robots.txt and /sitemap.xml: what search engines may crawl, and every record's page.

Every record page is public (candidates and revoked records too: the catalog lists them with
their status), so the sitemap lists them all, in code order, 50,000 a file (the protocol's
limit) under one sitemap index. Each file is one count on the code index and one page of
(code, updated_at) tuples read by OFFSET on that index: bounded memory and time at a million
records, no model instance, no reverse() per record, and no template: the framework's
sitemap.xml template took 8.8 s to render 50,000 URLs (a loaded 2-core machine), the lines
written here take a fraction of that. Links name HERITAGE_PUBLIC_URL (registry/public_url.py),
never the host a crawler came in by.
"""

from xml.sax.saxutils import escape

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from registry.models import Record
from registry.public_url import public_url

PLACEHOLDER = "CODE"


class RecordSitemap(Sitemap):
    limit = 50_000
    changefreq = "monthly"

    def items(self):
        return Record.objects.order_by("code").values_list("code", "updated_at")

    def location(self, item) -> str:
        """The record page's public address. One reverse() a file; a code holds only
        [A-Za-z0-9._-]: nothing to quote."""
        if not hasattr(self, "_url"):
            self._url = public_url(reverse("catalog-record", args=[PLACEHOLDER]))
        return self._url.replace(PLACEHOLDER, item[0])

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        return None  # the framework's default reads every record; the files carry theirs


SITEMAPS = {"records": RecordSitemap}
URLSET = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'


@require_safe
@x_robots_tag
def sitemap_page(request, section: str):
    """One file of a section: ?p=N, 50,000 URLs a file (Sitemap.limit)."""
    if section not in SITEMAPS:
        raise Http404
    sitemap = SITEMAPS[section]()
    try:
        page = sitemap.paginator.page(request.GET.get("p", 1))
    except InvalidPage as error:
        raise Http404 from error
    return StreamingHttpResponse(_urlset(sitemap, page.object_list), content_type="application/xml")


def _urlset(sitemap: Sitemap, items):
    yield URLSET
    lines = []
    for item in items.iterator(chunk_size=5_000):
        loc = escape(sitemap.location(item))
        lines.append(
            f"<url><loc>{loc}</loc><lastmod>{sitemap.lastmod(item):%Y-%m-%d}</lastmod></url>\n"
        )
        if len(lines) == 1_000:
            yield "".join(lines)
            lines = []
    yield "".join(lines) + "</urlset>\n"


@require_safe
@x_robots_tag
def sitemap_index(request):
    """The sitemap index: each section's files, by their public address."""
    items = []
    for section, sitemap_class in SITEMAPS.items():
        url = public_url(reverse("sitemap-section", kwargs={"section": section}))
        pages = sitemap_class().paginator.num_pages
        items += [SitemapIndexItem(url if n == 1 else f"{url}?p={n}") for n in range(1, pages + 1)]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )


ROBOTS = """User-agent: *
Allow: /
Disallow: /admin/
Disallow: /api/
Disallow: /i18n/
Disallow: /search/points/
Disallow: /reports/csv/
Disallow: /reports/xlsx/
Disallow: /reports/json/
Disallow: /*?
Sitemap: {sitemap}
"""


@require_safe
def robots_txt(request):
    """The catalog's pages and the record pages are for everyone; the admin, the API, the
    downloads and the search's endless filter combinations (any URL with a query string) are
    not for crawlers: the sitemap names every record page instead."""
    text = ROBOTS.format(sitemap=public_url(reverse("sitemap-index")))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
