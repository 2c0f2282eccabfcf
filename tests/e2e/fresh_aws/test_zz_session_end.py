"""The session-end checks (tests/e2e/test_zz_session_end.py) over this stack's runs too: no stale
executor report failed a task, no secret leaked, every approval named its approvers."""

from tests.e2e.test_zz_session_end import (  # noqa: F401  (collected here with this folder's stack)
    test_every_approval_request_of_the_session_was_assigned_to_named_approvers,
    test_no_secret_reached_logs_xcom_rendered_fields_or_api_answers,
    test_no_task_was_failed_by_a_stale_executor_report,
)
