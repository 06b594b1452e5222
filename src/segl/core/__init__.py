"""The pure core of segl: protocols, cryptography and policy, with no Django and no I/O.

Time is always an argument (an aware UTC ``datetime``), state is passed in and returned, and
attacker input raises a :class:`segl.core.errors.SeglError` subclass.
"""
