"""API views: thin adapters over the services and selectors, scoped in `get_queryset`."""
