"""The platform's own date and number formats (``FORMAT_MODULE_PATH``), in place of Django's locale ones.

Django's ``vi`` locale defines no input formats, so its form fields fall back to the US ones
(``05/02/2027`` read as 2 May, ``13/02/2027`` refused); its ``en`` locale reads ``mm/dd/yyyy``. In
Vietnam dates are written day first in both interface languages (standards: dates typed dd/mm/yyyy):
every form field, admin widget and filter reads ``dd/mm/yyyy`` or ISO ``yyyy-mm-dd``, never month
first, and shows ``dd/mm/yyyy``. The same rules read spreadsheet cells (``common.tabular.parse_date``).
"""

# Day first, then ISO (what an ``<input type="date">`` sends); the first one is how a form shows a date.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = [
    *(f"{day} {clock}" for day in DATE_INPUT_FORMATS for clock in ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f")),
    "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",  # <input type="datetime-local">
    *DATE_INPUT_FORMATS,
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
