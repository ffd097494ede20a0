"""The models that play a script: engine (cursor and call log), the scripted base,
FakeChatModel and FakeLLM, chunk building, recorded-chunk replay, calls and clocks."""
