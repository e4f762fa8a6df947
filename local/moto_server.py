"""Runs moto's server with one fix for speed: a cache in front of jsonpath_ng's parser.

moto 5 builds a fresh jsonpath parser (a yacc table) for each of the eight input paths of every
target of every matched event in PutEvents: about 200 ms per event on these machines, which made
EventBridge the bottleneck of the local stack. The parsed expressions are immutable, so caching
them changes nothing but the time. Arguments are those of `python3 -m moto.server`.
"""
import functools

import jsonpath_ng.ext

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)

from moto.server import main  # noqa: E402  (import after the patch, as moto imports parse lazily anyway)

if __name__ == "__main__":
    main()
