"""{{ name }}: an HTTP service on the paved microservice path."""

__version__ = "0.1.0"
