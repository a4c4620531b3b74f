"""Vietnamese: dates day first (dd/mm/yyyy), decimal comma, thousands point."""

from tinhso.conf.formats import *  # noqa: F403

YEAR_MONTH_FORMAT = r"\t\há\n\g n/Y"
MONTH_DAY_FORMAT = "d/m"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
