"""An organization trail delivers to a bucket in another account (the Log Archive account), as in
AWS, where bucket names are global and the bucket policy decides. moto 5.2.5 looks the bucket up in
the trail's own account only and refuses with S3BucketDoesNotExistException."""

from __future__ import annotations

from typing import Any

from moto.cloudtrail.exceptions import S3BucketDoesNotExistException
from moto.cloudtrail.models import Trail

_original: dict[str, Any] = {}


def check_bucket_exists(self: Trail) -> None:
    from moto.s3.models import s3_backends

    for account_id in list(s3_backends.keys()):
        if self.bucket_name in s3_backends[account_id][self.partition].buckets:
            return
    raise S3BucketDoesNotExistException(f"S3 bucket {self.bucket_name} does not exist!")


def install() -> None:
    if _original:
        return
    _original["check"] = Trail.check_bucket_exists
    Trail.check_bucket_exists = check_bucket_exists
