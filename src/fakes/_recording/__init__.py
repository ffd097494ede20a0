"""Recording: real streams turned into scripts, by callback (StreamRecorder) or proxy
(RecordingProxy), reading wire frames back into responses."""
