"""Editor's action → all readers, against a headline update in the same run (``python -m bench.desk``); see
:mod:`bench.desk.run`."""
