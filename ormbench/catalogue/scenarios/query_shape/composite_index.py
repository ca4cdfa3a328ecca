"""The latest 10 posts of an author, n times over the prolific authors: a table with
single-field indexes (the foreign key's, and one on the date) against the same rows under the
composite index Index(fields=["author", "-published"]) that the guides recommend.

With single-field indexes the database finds the author's ~600 posts by the foreign key's
index, then sorts them all by date to keep 10 (or walks the date index backwards and filters
by author). The composite index holds each author's posts already in date order: it reads 10
entries and stops. What to take from it: an index that matches both the filter and the
ORDER BY turns "find, sort, cut" into "read the first 10". At xs an author has few posts and
it shows little; from s on it shows, and the plans in the report show why.
"""

from ormbench.catalogue.models_app.models import IndexedPost, Post
from ormbench.dataset.tables import PROLIFIC_AT_LEAST
from ormbench.declare.scenario import Scenario

LATEST = 10

composite_index = Scenario("composite_index", n_of=None, effect_from="s")


def latest_per_author(model, n):
    """n queries, cycling over the first prolific authors (there are as many at every scale):
    (author, [(title, published)] newest first)."""
    return [
        (
            author,
            list(
                model.objects.filter(author_id=author)
                .order_by("-published")
                .values_list("title", "published")[:LATEST]
            ),
        )
        for author in (1 + i % PROLIFIC_AT_LEAST for i in range(n))
    ]


@composite_index.naive(queries=lambda n: n)
def single_field_indexes(n):
    """filter(author=...).order_by("-published")[:10] on the table indexed by author and by
    date separately."""
    return latest_per_author(Post, n)


@composite_index.optimized(queries=lambda n: n)
def composite(n):
    """The same query on the table with Index(fields=["author", "-published"])."""
    return latest_per_author(IndexedPost, n)
