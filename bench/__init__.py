"""The benchmark suite: ``python -m bench`` runs every module here (see ``bench/__main__.py``)."""
