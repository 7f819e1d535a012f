from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from registry.public_url import public_url


class PageNumberPagination(BasePageNumberPagination):
    """DRF's, with next/previous on the public address (registry/public_url.py): harvesters
    store and follow these links, so they must not name the host a request came in on."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_next_link(self):
        if not self.page.has_next():
            return None
        url = public_url(self.request.get_full_path())
        return replace_query_param(url, self.page_query_param, self.page.next_page_number())

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        url = public_url(self.request.get_full_path())
        number = self.page.previous_page_number()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)
