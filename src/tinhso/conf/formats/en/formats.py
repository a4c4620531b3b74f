"""English interface of a Vietnamese platform: dates still day first (dd/mm/yyyy), never month first."""

from tinhso.conf.formats import *  # noqa: F403

YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
