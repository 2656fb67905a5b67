"""The JSON codec of the frozen figures (a report version's prefill, a decision's snapshot, an
audit event's detail): numbers come back as Decimal, dates as ISO strings.

It stays at the top of the app, beside the models that use it, because migrations 0002 and 0003
name `committees.prefill.PrefillEncoder` and `PrefillDecoder`. What a report is prefilled with
lives in `reports/prefill.py`.
"""

import datetime
import json
from decimal import Decimal


class PrefillEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime.date):
            return o.isoformat()
        return super().default(o)


class PrefillDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, parse_float=Decimal, **kwargs)


def round_trip(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=PrefillEncoder), cls=PrefillDecoder)
