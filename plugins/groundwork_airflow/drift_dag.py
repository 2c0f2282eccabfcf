"""`foundation_drift`: on the config's schedule (`operations.drift_schedule`), plan every deployed
phase against AWS, read only, and report what differs from the config.

    validate -> deployed_phases -> detect (mapped, one per deployed phase) -> report

No approval is asked and nothing is applied: `detect` only plans (describe/list/get calls). The
report is in the task log, the `report` task's XCom and the Asset event `groundwork_drift` (counts
per phase); when drift is found and `operations.drift_topic_arn` is set, Airflow's SNS notifier
(providers-amazon) tells that topic. Another notifier: change `drift_notifier` (any Airflow
`BaseNotifier`). Repair is the phase's normal run.
"""

from __future__ import annotations


from airflow.sdk import DAG, Asset, task

from groundwork.phases.spec import SPECS
from groundwork_airflow import phase

DAG_ID = "foundation_drift"
DRIFT_ASSET = Asset(name="groundwork_drift", uri="groundwork://drift", group="groundwork")


def parse_time_schedule() -> str | None:
    """The config's drift schedule, read while parsing (no AWS); daily when the config does not load
    (the run's validate task then fails with every problem)."""
    from groundwork.config.loader import load_config_shape

    config = load_config_shape()
    return "@daily" if config is None else config.operations.drift_schedule


@task(task_id="deployed_phases", retries=0)
def deployed_phases(**context) -> list[str]:
    """The phases with at least one successful run: only those can have drifted."""
    ti = context["ti"]
    deployed = [dag_id for dag_id in SPECS if ti.get_dr_count(dag_id=dag_id, states=["success"])]
    print("deployed phases:", ", ".join(deployed) or "none")
    return deployed


@task(task_id="detect", max_active_tis_per_dagrun=2)
def detect(dag_id: str) -> dict:
    """This phase's plan against AWS now, read only: every pending change is drift."""
    from airflow.sdk.exceptions import AirflowFailException

    from groundwork import drift
    from groundwork.plan.model import Refused
    from groundwork_airflow.phase_dag import _context

    config, ctx, secrets = _context(SPECS[dag_id].secrets)
    try:
        found = drift.detect(ctx, config, dag_id, **secrets)
    except Refused as exc:
        raise AirflowFailException(f"{dag_id} cannot be planned: {exc}") from None
    for line in (found.lines() or [f"{dag_id}: no drift"]) + list(found.unmanaged):
        print(line)
    return found.to_dict()


def drift_notifier(config, summary: dict):
    """Who is told when drift is found: Airflow's SNS notifier to `operations.drift_topic_arn`."""
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    from groundwork import drift

    topic = config.operations.drift_topic_arn
    if not topic:
        return None
    return SnsNotifier(aws_conn_id=config.aws.connection_id, region_name=config.aws.home_region,
                       target_arn=topic, subject=summary["headline"][:99], message=drift.message(summary))


@task(task_id="report", outlets=[DRIFT_ASSET], retries=0)
def report(found: list[dict], **context) -> dict:
    """Every difference, counts per phase (Asset event `groundwork_drift`); notify when drift is found."""
    from groundwork import drift

    summary = drift.report(list(found))
    print(summary["headline"])
    for line in summary["lines"] + summary["unmanaged"]:
        print(" ", line)
    context["outlet_events"][DRIFT_ASSET].extra = {"total": summary["total"], "per_phase": summary["per_phase"],
                                                   "unmanaged": len(summary["unmanaged"])}
    if summary["total"]:
        notifier = drift_notifier(phase.load_runtime_config(), summary)
        if notifier is not None:
            notifier.notify(context)
            print("told", notifier.target_arn)
    return summary


def build_drift_dag() -> DAG:
    with phase.groundwork_dag(
        DAG_ID, description="Read-only comparison of AWS with the config of every deployed phase",
        schedule=parse_time_schedule(), tag="drift", doc_md=__doc__,
    ) as dag:
        phases = deployed_phases()
        phase.validate() >> phases
        report(detect.expand(dag_id=phases))
    return dag
