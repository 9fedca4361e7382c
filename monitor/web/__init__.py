"""The web UI: search, facets, article pages and exports over one database (``monitor serve``)."""
