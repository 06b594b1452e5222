"""Delayed changes: every change that weakens protection waits out a delay, then needs confirming.

A kind asks for the change (``change_request``) and confirms it once its time has come
(``change_confirm``); the citizen sees what is waiting in the portal and may cancel it there
(``change_cancel``). A fraudster who got in once cannot weaken an account unseen: the citizen is
told when a change is asked for and when it takes effect.
"""
