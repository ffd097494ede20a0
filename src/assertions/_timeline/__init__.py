"""Timelines: streams collected, normalised (stable aliases, volatile data out) and
rendered readably; events as text/event-stream."""
