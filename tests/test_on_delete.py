"""The on_delete scenarios leave the rows where each rule says they go, in every variant.

The run checks each variant against the naive one; this checks the naive one (and so all of
them) against the rule itself, on a migrated SQLite database holding the xs dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

N = 10

# Each variant runs in a transaction that is rolled back, so that every one starts from the
# dataset; what it left is read before the rollback.
SCRIPT = """
import json, sys
from ormbench.settings import configure
configure({"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]})
from django.core.management import call_command
from django.db import transaction
from ormbench.declare import catalogue
from ormbench.dataset import loader, scales, tables as dataset
from ormbench.catalogue.models_app import models

call_command("migrate", verbosity=0)
loader.load(dataset.generate(scales.scale("xs")))
n = int(sys.argv[2])
found = {}
for rule, author, book in [
    ("cascade", models.CascadeAuthor, models.CascadeBook),
    ("set_null", models.SetNullAuthor, models.SetNullBook),
    ("protect", models.ProtectAuthor, models.ProtectBook),
]:
    theirs = list(book.objects.filter(author_id__lte=n).values_list("id", flat=True))
    before = {"authors": author.objects.count(), "books": book.objects.count(), "theirs": theirs}
    scenario = catalogue.scenarios()["on_delete_" + rule]
    for variant in scenario.variants:
        if variant.applies.unmet("sqlite", None, "xs", False):
            continue
        with transaction.atomic():
            result = variant.fn(n)
            found[f"{rule}/{variant.name}"] = {
                "before": before,
                "result": result,
                "authors_left": list(author.objects.filter(pk__lte=n).values_list("id", flat=True)),
                "authors": author.objects.count(),
                "books": book.objects.count(),
                "theirs_left": list(
                    book.objects.filter(pk__in=theirs).values_list("author_id", flat=True)
                ),
            }
            transaction.set_rollback(True)
from ormbench.worker.probes.effect import Effects
effects = Effects()
found["reached"] = {
    parent: sorted(effects.reached([parent]))
    for parent in ("models_app_cascadeauthor", "models_app_setnullauthor", "models_app_book")
}
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    database = tmp_path_factory.mktemp("on_delete") / "db.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(database), str(N)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_the_effect_check_follows_the_databases_own_cascade_and_only_it(
    outcomes: dict[str, Any],
) -> None:
    """A DELETE of cascade authors writes cascade books the SQL never names; Django-level rules
    (SET_NULL, the bookshop's CASCADE) name every table they write."""
    assert outcomes["reached"] == {
        "models_app_cascadeauthor": ["models_app_cascadeauthor", "models_app_cascadebook"],
        "models_app_setnullauthor": ["models_app_setnullauthor"],
        "models_app_book": ["models_app_book"],
    }


def of_rule(outcomes: dict[str, dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    found = [o for name, o in outcomes.items() if name.startswith(rule + "/")]
    assert len(found) >= 2, f"{rule}: the naive variant and at least one optimized"
    return found


def test_cascade_deletes_the_authors_and_their_books_and_nothing_else(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    for done in of_rule(outcomes, "cascade"):
        theirs = done["before"]["theirs"]
        assert theirs and done["authors_left"] == [] and done["theirs_left"] == []
        assert done["authors"] == done["before"]["authors"] - N
        assert done["books"] == done["before"]["books"] - len(theirs)


def test_set_null_deletes_the_authors_and_keeps_their_books_without_one(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    for done in of_rule(outcomes, "set_null"):
        theirs = done["before"]["theirs"]
        assert done["authors_left"] == [] and done["authors"] == done["before"]["authors"] - N
        assert done["theirs_left"] == [None] * len(theirs)
        assert done["books"] == done["before"]["books"]


def test_protect_refuses_changes_nothing_and_names_every_protected_book(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    for done in of_rule(outcomes, "protect"):
        theirs = done["before"]["theirs"]
        assert done["result"] == len(theirs) > 0
        assert done["authors_left"] == list(range(1, N + 1))
        assert (done["authors"], done["books"]) == (
            done["before"]["authors"],
            done["before"]["books"],
        )
        assert len(done["theirs_left"]) == len(theirs)
        assert all(author is not None and author <= N for author in done["theirs_left"])
