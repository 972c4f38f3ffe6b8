"""The sample suppliers `tracker demo` loads, installed as the data package `tracker.sample_data`
(see setup.py). `build.py` writes the workbooks.
"""
