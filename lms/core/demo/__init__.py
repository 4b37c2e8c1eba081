"""The demo course that `manage.py seed_demo` builds: content written for Aula, and its seed."""
