"""A small Python client of the Lumina Serve public API (lumina.v1)."""

from lumina_client.client import LuminaClient, LuminaError

__all__ = ["LuminaClient", "LuminaError"]
