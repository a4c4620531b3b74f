"""Reports the figures of the API fuzzing run (``test_api_fuzz.py``) at the end of the session."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    module = __import__("sys").modules.get("tinhso.tests.test_api_fuzz")
    figures = getattr(module, "FIGURES", None)
    if not figures:
        return
    by_class = {}
    for (_operation, status), count in figures.items():
        by_class[f"{status // 100}xx"] = by_class.get(f"{status // 100}xx", 0) + count
    answers = ", ".join(f"{name} {count}" for name, count in sorted(by_class.items()))
    terminalreporter.write_line(
        f"API FUZZ: {module.OPERATIONS} operations, {sum(figures.values())} requests (up to {module.EXAMPLES} "
        f"examples each, plus the undocumented methods tried on each path); answers {answers}")
