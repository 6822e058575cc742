"""Where created runs execute: the trials of a batch and the steps of a pipeline are handed to
an executor as start jobs (`engine.start.StartJob`). `sequential` runs them one at a time in this
process, as Guild always did."""
