"""The operator's desktop: PySide6 windows, pyqtgraph plots, Qt models and worker threads.

The only package that imports Qt. Nothing imports ui.
"""
