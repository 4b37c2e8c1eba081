"""The REST API under `/api/v1/`: thin adapters over the apps' services and selectors."""
