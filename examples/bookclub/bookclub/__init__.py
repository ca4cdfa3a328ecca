"""A book club: members borrow books. The example project of django-ormbench."""
