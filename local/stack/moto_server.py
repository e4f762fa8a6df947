"""Runs moto's server with two fixes for speed; neither changes what moto answers.

1. moto 5 builds a fresh jsonpath parser (a yacc table) for each of the eight input paths of every
   target of every matched event in PutEvents: about 200 ms per event on these machines, which made
   EventBridge the bottleneck of the local stack. The parsed expressions are immutable: cache them.
2. ReceiveMessage checks each message it hands out against the queue's retention period through
   get_queue_attributes, which computes every attribute of the queue, the three approximate message
   counts included, each a scan of the whole queue, three times over. With a backlog of a few hundred
   messages that made receiving quadratic and moto the bottleneck. Read the retention period directly.

Arguments are those of `python3 -m moto.server`.
"""
import functools

import jsonpath_ng.ext
from moto.core.utils import unix_time
from moto.sqs import models as sqs_models

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)


def _is_message_valid_based_on_retention_period(self, queue_name, message):  # type: ignore[no-untyped-def]
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time()


sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _is_message_valid_based_on_retention_period

from moto.server import main  # noqa: E402  (import after the patch, as moto imports parse lazily anyway)

if __name__ == "__main__":
    main()
