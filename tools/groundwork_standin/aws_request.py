"""What an AWS request is, read off the wire (shared by the recorder and fault injection)."""

from __future__ import annotations


def signing_service(authorization: str) -> str:
    """The SigV4 signing name: 'Credential=AKID/20261128/us-east-1/organizations/aws4_request'."""
    if "Credential=" in authorization:
        parts = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(parts) >= 4:
            return parts[3]
    return ""
