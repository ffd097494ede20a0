"""Pictures of a run: a rendered timeline (snapshot text) drawn as a self-contained
HTML/SVG page, one lane per run; a failed snapshot drawn as expected beside actual."""
