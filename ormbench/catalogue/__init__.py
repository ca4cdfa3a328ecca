"""The bundled catalogue: the bookshop's models (`models_app`, app label "models_app") and the
scenario modules under `scenarios/`, grouped by what they are about.

May import: ormbench.declare, ormbench.dataset, ormbench.catalogue.
"""
