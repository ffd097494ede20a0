"""The script: what a fake answers and how it is written down.

Vocabulary (Response, ToolCall, Fault, Latency, Rule), text cutting, validation, files.
"""
