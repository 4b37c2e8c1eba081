"""Site-wide pieces: home page, health check, demo data."""
