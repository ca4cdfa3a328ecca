"""Deleting n authors whose books are PROTECTed: what the refusal costs, and the cheaper check.

Every author here has books, so every delete() is refused with ProtectedError and nothing
changes; the result is the number of protected books the refusal names. Django finds them by
reading the books (every column) before it deletes anything: per author in the loop, per batch
of ids in QuerySet.delete(). What to take from it: a refused delete() is not free, and a
count() of the children first answers "may I delete these?" in one query, before a delete()
that would be refused (each variant does the whole job: delete if allowed, else say how many
books stand in the way). To delete them anyway, delete the books first (the on_delete_cascade
scenario times that work).
"""

from django.db.models import ProtectedError

from ormbench.catalogue.models_app.models import ProtectAuthor, ProtectBook
from ormbench.declare.queries import delete_batches
from ormbench.declare.scenario import Correct, Scenario

on_delete_protect = Scenario(
    "on_delete_protect",
    n_of="on_delete_authors",
    writes=True,
    correct=Correct(state=lambda n: (ProtectAuthor.objects.count(), ProtectBook.objects.count())),
)


@on_delete_protect.naive(queries=lambda n: 1 + n)
def delete_each(n):
    """author.delete() per author, each refused: a SELECT of the author's books each time."""
    protected = 0
    for author in ProtectAuthor.objects.filter(pk__lte=n):
        try:
            author.delete()
        except ProtectedError as refusal:
            protected += len(refusal.protected_objects)
    return protected


@on_delete_protect.optimized(queries=lambda n: 1 + delete_batches(ProtectAuthor, n)[0])
def queryset_delete(n):
    """QuerySet.delete(), refused once: a SELECT of the authors, one of their books per batch."""
    try:
        ProtectAuthor.objects.filter(pk__lte=n).delete()
    except ProtectedError as refusal:
        return len(refusal.protected_objects)
    return 0


@on_delete_protect.optimized(queries=1)
def count_first(n):
    """Count the protected books first, and delete() only when none protects the authors: the
    same job as the others (here every author is protected, so no delete() runs), answered by
    one COUNT instead of a refused delete()."""
    protected = ProtectBook.objects.filter(author__lte=n).count()
    if protected == 0:
        ProtectAuthor.objects.filter(pk__lte=n).delete()
    return protected
