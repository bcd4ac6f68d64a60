"""Every call scored: the automated scorer's rubric syntax and rules SQL, and the learned scorer.
Imports platform, method, engines and landing.
"""
