"""SSM Parameter Store calls; 'not found' is None."""

from __future__ import annotations


def get_parameter(client, name: str) -> str | None:
    try:
        return client.get_parameter(Name=name)["Parameter"]["Value"]
    except client.exceptions.ParameterNotFound:
        return None


def put_parameter(client, name: str, value: str, description: str = "") -> None:
    client.put_parameter(Name=name, Value=value, Type="String", Overwrite=True, Description=description)
