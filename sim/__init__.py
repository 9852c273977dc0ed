"""ihsim: discrete-event simulation of inter-hospital emergency obstetric response."""

__version__ = "0.1.0"
