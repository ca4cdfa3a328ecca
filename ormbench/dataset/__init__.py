"""The dataset: the named scales (`scales`), the seeded tables of the bundled catalogue and their
cache (`tables`), and loading them through each backend's bulk path (`loader`).

May import: ormbench (errors, project), ormbench.servers, ormbench.catalogue.models_app.
"""
