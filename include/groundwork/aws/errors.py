"""Reading AWS errors: 'not found' is a value, not an exception leaking upward."""

from botocore.exceptions import ClientError


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None
