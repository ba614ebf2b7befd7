"""Say plainly, before `make audit` runs pip-audit, when its advisory database cannot be reached.

pip-audit asks PyPI's JSON API, one package version at a time, for known vulnerabilities. Where
that API cannot be reached, pip-audit calls every package "not found on PyPI" (and without
--strict still exits 0): this check turns that into one line and a non-zero exit. It runs in
the tools environment (.venv/tools), with the requests library that pip-audit itself uses.
"""

import sys

import requests

# The URL pip-audit's PyPI service asks, for an old pip release that stays on PyPI.
PROBE_URL = "https://pypi.org/pypi/pip/24.0/json"


def problem_reaching(url: str) -> str | None:
    """What stops a vulnerability report coming from url, or None when one comes."""
    try:
        response = requests.get(url, timeout=30)
    except requests.RequestException as error:
        return type(error).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        report = response.json()
    except ValueError:
        return "the answer is not JSON"
    if "vulnerabilities" not in report:
        return "the answer has no vulnerabilities field"
    return None


def main() -> int:
    problem = problem_reaching(PROBE_URL)
    if problem is None:
        return 0
    print(
        f"error: make audit: pip-audit's advisory database (PyPI's JSON API, {PROBE_URL}) "
        f"cannot be reached from this machine ({problem}); nothing was audited",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
