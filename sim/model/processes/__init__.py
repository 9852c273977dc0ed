"""One module per clinical step; each step is a SimPy generator taking the context first.

Pathway of an outreach case (``case.outreach_case``)::

    consult -> decision
      outreach: stabilise_mother || dispatch_team -> operate
                -> transport_newborn || return_team || recover_mother
      transfer: stabilise_mother || fetch_mother -> move_mother -> operate (home)
                -> admit_newborn || recover_mother

Home emergencies (``home.home_emergency``) compete for the same staff, rooms and cots.
"""
