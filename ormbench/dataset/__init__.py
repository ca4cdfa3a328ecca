"""The dataset: the named scales, the seeded tables of the bundled catalogue, its cache, and
loading it through each backend's bulk path.

May import: ormbench (errors), ormbench.servers, ormbench.catalogue.models_app.
"""
