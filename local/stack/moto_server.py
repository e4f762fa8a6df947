"""Runs moto's server with two fixes for speed, which change nothing moto answers, one for replay and one for DynamoDB's atomic writes.

1. moto 5 builds a fresh jsonpath parser (a yacc table) for each of the eight input paths of every
   target of every matched event in PutEvents: about 200 ms per event on these machines, which made
   EventBridge the bottleneck of the local stack. The parsed expressions are immutable: cache them.
2. ReceiveMessage checks each message it hands out against the queue's retention period through
   get_queue_attributes, which computes every attribute of the queue, the three approximate message
   counts included, each a scan of the whole queue, three times over. With a backlog of a few hundred
   messages that made receiving quadratic and moto the bottleneck. Read the retention period directly.
3. moto 5.2.1's StartReplay sends every archived event to every rule of the bus: it ignores the
   replay's EventStartTime/EventEndTime and its Destination's FilterArns. EventBridge replays only the
   events whose time lies in the window, and only to the rules FilterArns names (all rules without it):
   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html. Replay that way,
   so `npm run replay` against the local stack does what it does in AWS (docs/operations.md, "Replay").
4. moto's DynamoDB evaluates a ConditionExpression and applies the write in two steps, without a lock, while the
   server answers requests on many threads: under load two conditional UpdateItems that DynamoDB lets only one of
   pass both succeed (4 rounds in 100 of 32 racing updates on a loaded 2-core machine). The per-client Genesys
   budget relies on that atomicity (functions/shared/genesys/shared-budget.ts), and so does Powertools'
   idempotency: every DynamoDB write runs under one lock, as each is atomic in DynamoDB.

Arguments are those of `python3 -m moto.server`.
"""
import functools
import threading

import jsonpath_ng.ext
from moto.core.utils import unix_time
from moto.dynamodb import models as dynamodb_models
from moto.events import models as events_models
from moto.moto_api._internal import mock_random
from moto.sqs import models as sqs_models

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)


def _is_message_valid_based_on_retention_period(self, queue_name, message):  # type: ignore[no-untyped-def]
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time()


sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _is_message_valid_based_on_retention_period


def _replay_events(self, archive):  # type: ignore[no-untyped-def]
    backend = events_models.events_backends[self.account_id][self.region]
    bus = backend.describe_event_bus(self.destination["Arn"].split("/")[-1])
    filter_arns = self.destination.get("FilterArns") or []
    rules = [rule for rule in bus.rules.values() if not filter_arns or rule.arn in filter_arns]
    # An archived event's time is PutEvents' Time (or its arrival), in epoch seconds like the window's ends.
    start, end = float(self.event_start_time), float(self.event_end_time)
    for event in archive.events:
        if not start <= float(event["time"]) < end:
            continue
        for rule in rules:
            rule.send_to_targets(dict(event, **{"id": str(mock_random.uuid4()), "replay-name": self.name}), transform_input=False)
    self.state = events_models.ReplayState.COMPLETED
    self.end_time = unix_time()


events_models.Replay.replay_events = _replay_events

_dynamodb_writes = threading.RLock()


def _atomic(write):  # type: ignore[no-untyped-def]
    @functools.wraps(write)
    def locked(*args, **kwargs):  # type: ignore[no-untyped-def]
        with _dynamodb_writes:
            return write(*args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(dynamodb_models.DynamoDBBackend, _name, _atomic(getattr(dynamodb_models.DynamoDBBackend, _name)))

from moto.server import main  # noqa: E402  (import after the patch, as moto imports parse lazily anyway)

if __name__ == "__main__":
    main()
