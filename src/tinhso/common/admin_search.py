"""The administration's searches ignore diacritics, as the portal's do: "so tu phap" finds "Sở Tư pháp".

A model that keeps a folded copy of its names (``search_text``, ``search_name``: :func:`tinhso.common.text.fold`)
names it in ``folded_search_fields``; the words typed, folded, must all be in one of them. A model without
such a column (accounts) supplies the matching rows through :meth:`FoldedSearch.folded_matches`.
"""

from __future__ import annotations

from django.db.models import Q

from tinhso.common.text import fold


class FoldedSearch:
    """ModelAdmin mixin: Django's search, or every folded word typed in one of ``folded_search_fields``."""

    folded_search_fields: tuple[str, ...] = ()

    def folded_matches(self, request, queryset, words: list[str]) -> Q | None:
        """Extra rows (a condition on ``queryset``) for the folded ``words``; None for none."""
        return None

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = fold(search_term or "").split()
        if not words:
            return results, may_have_duplicates
        condition = Q()
        for field in self.folded_search_fields:
            every_word = Q()
            for word in words:
                every_word &= Q(**{f"{field}__contains": word})
            condition |= every_word
            may_have_duplicates = may_have_duplicates or "__" in field
        extra = self.folded_matches(request, queryset, words)
        if extra is not None:
            condition |= extra
        if condition:
            results |= queryset.filter(condition)
        return results, may_have_duplicates
