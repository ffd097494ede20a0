"""The rules of streaming, checked: event order, chunks that add up, stream == invoke,
liveness, every chunk boundary."""
