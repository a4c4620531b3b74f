"""Administration of units. Provinces, communes and former units come from the code lists through
``tinhso geo load`` (an edit here would be overwritten by the next load), so they are read-only;
villages are the province's own data and are edited here, each change on the audit chain."""

from django.contrib import admin

from tinhso.common.admin_search import FoldedSearch
from tinhso.geo.models import Commune, LegacyDistrict, LegacyProvince, LegacyWard, Province, Village


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccentInsensitiveSearch(FoldedSearch):
    """Also match the search text without accents against ``search_name``: "thuong lam" finds "Thượng Lâm"."""

    folded_search_fields = ("search_name",)


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "phone_code"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "codename"]


@admin.register(Commune)
class CommuneAdmin(AccentInsensitiveSearch, ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "province"]
    list_filter = ["province", "kind"]
    list_select_related = ["province"]
    search_fields = ["code", "name", "codename"]


@admin.register(Village)
class VillageAdmin(FoldedSearch, admin.ModelAdmin):
    list_display = ["name", "kind", "code", "commune", "latitude", "longitude"]
    list_filter = ["kind", "commune__province"]
    list_select_related = ["commune"]
    search_fields = ["name", "code", "commune__name", "commune__code"]
    folded_search_fields = ("commune__search_name",)
    autocomplete_fields = ["commune"]


@admin.register(LegacyProvince)
class LegacyProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "successor"]
    list_select_related = ["successor"]
    search_fields = ["code", "name"]


@admin.register(LegacyDistrict)
class LegacyDistrictAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]


@admin.register(LegacyWard)
class LegacyWardAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "district", "successor", "successor_method"]
    list_filter = ["successor_method", "district__province"]
    list_select_related = ["district", "successor"]
    search_fields = ["code", "name", "successor__name"]
