"""The REST API under /api/v1/ (docs/api.md): an edge like views/, thin DRF views over the domain's own
functions, for other systems holding a platform's API token (trust/api_tokens.py)."""
