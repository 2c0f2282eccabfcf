"""Secrets the phases need at run time, read from Airflow (connections / variables, i.e. whatever
secrets backend is configured), masked in logs at once, never returned from a task."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException


def external_id(config) -> str:
    """The ExternalId from the Airflow connection's password (or the variable), masked in logs."""
    from airflow.sdk import Connection, Variable
    from airflow.sdk.log import mask_secret

    from groundwork.phases.cicd import external_id_source

    ref = config.cicd.external_id
    try:
        value = Connection.get(ref.airflow_connection).password if ref.airflow_connection else Variable.get(
            ref.airflow_variable)
    except Exception as exc:  # noqa: BLE001 - not found, whatever the secrets backend raises
        raise AirflowFailException(
            f"the ExternalId comes from the Airflow {external_id_source(config)}, which cannot be read "
            f"({type(exc).__name__}); create it (its password is the ExternalId)"
        ) from None
    if not value:
        raise AirflowFailException(f"the Airflow {external_id_source(config)} holds no ExternalId (empty password)")
    mask_secret(value)
    return value


READERS = {"external_id": external_id}


def read(names: tuple[str, ...], config) -> dict[str, str]:
    """Keyword arguments for a domain call that needs these secrets."""
    return {name: READERS[name](config) for name in names}
