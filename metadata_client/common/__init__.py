"""4.2.1's ``metadata_client.common`` package: constants, normalisation helpers, utilities."""
