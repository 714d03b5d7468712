"""Product feeds as shops already have them: Merchant Center CSV/TSV, RSS/Atom XML and
JSON Lines, parsed into validated ``ProductIn`` rows and precise row errors.

Typical use::

    feed = parse_feed(data, schema=schema, filename="products.csv")
    for row in feed:
        ...  # row.product, or row.errors
    feed.warnings
"""

from prefero.catalog.feeds.base import FeedError, FeedFormat, FeedRows, ParsedRow, RowError
from prefero.catalog.feeds.delimited import parse_delimited
from prefero.catalog.feeds.detect import detect_format
from prefero.catalog.feeds.jsonl import parse_jsonl
from prefero.catalog.feeds.parse import parse_feed
from prefero.catalog.feeds.xmlfeed import parse_xml

__all__ = [
    "FeedError",
    "FeedFormat",
    "FeedRows",
    "ParsedRow",
    "RowError",
    "detect_format",
    "parse_delimited",
    "parse_feed",
    "parse_jsonl",
    "parse_xml",
]
