"""The prose of ``docs/validation.md``; numbers and tables are filled in from fresh runs."""

HEAD = """# Validation

This page is generated, numbers and all, by one command from fresh runs;
do not edit it by hand.  To regenerate it (about ten minutes on two cores):

    ihsim validation --out docs/validation.md

It checks the model five ways: (a) reduced to M/M/c queues it agrees with
Erlang C; (b) Little's law holds on every resource pool; (c) a replay of the
July 2025 index case reproduces its reported timeline; (d) the baseline's
decision-to-delivery intervals (DDI) are set against published audits, with
the differences explained; (e) ten simulated years at doubled demand run
with bounded model state and every invariant intact.  The statistical tests
in `tests/statistical/` repeat (a) and (b) on every CI run.

{provenance}"""

MMC = """## (a) M/M/c queues against Erlang C

`scenarios/validation/mmc.yaml` reduces the model to an M/M/c queue: Poisson
referrals at rate λ, one pool of c team members (the same headcount on every
shift, nobody on call), each busy for an exponential time of mean 1/μ, and
every other step instantaneous or unconstrained.  The wait for the team
(`team_requested` to `team_assembled`) is then the M/M/c wait in queue, whose
mean Wq and probability of waiting P(wait) are given by Erlang's C formula
(Gross et al., *Fundamentals of Queueing Theory*, 4th ed., 2008, section 2.3;
`sim/analysis/theory.py`), and the team's utilisation should be ρ = λ/(cμ).
Each row is {n} independent replications after a 5-day warm-up (cases
referred in the last day are left out so that no wait is cut short), each
setting with a seed of its own so that the rows are independent checks; the
intervals are Student-t 95% intervals over replications.

{table}

In {inside} of {settings} settings, all three 95% intervals contain the
theoretical value.  With 95% intervals, a correct model misses one value in
twenty on average, so an occasional miss by a small margin is expected; a
systematic one is not."""

LITTLE = """## (b) Little's law on every resource pool

One baseline replication of {days:g} days, after a 3-day warm-up.  For each of
the {pools} pools that received requests: λ is the request rate, W the mean
wait from request to grant, or to withdrawal for a request withdrawn unserved
(a wait still open at the end is cut there), and L the time-average number
of requests waiting, once as the resources table reports it (`mean_queue`)
and once rebuilt here from the `request`, `acquire` and `withdraw` events.
On a single sample path with waits cut at the window's end, L = λW holds
exactly (Little, *Operations Research* 9, 1961;
El-Taha and Stidham, *Sample-Path Analysis of Queueing Systems*, 1999), so
the last column, the largest gap between λW and either L, measures only
rounding: what this checks is that the tables integrate queues and match
grants to requests correctly.

{table}"""

REPLAY = """## (c) Replay of the July 2025 index case

The reported facts (`seeds/index-case.md`; `docs/parameters.md`, the
index case): the National Hospital of Obstetrics and Gynaecology (NHOG)
received the request from the Central Lung Hospital (CLH) on 7 July 2025;
an 11-person team arrived early on 8 July and operated; the operation took
"just over 30 minutes"; a 2,200 g boy was taken by mobile incubator to the
NHOG Neonatal Center.

`scenarios/validation/index-case.yaml` keeps the baseline network, staffing,
home emergencies and durations, and replaces the random outreach stream by
one scripted planned case at CLH at 12:00 on Monday 7 July (7 July 2025 was
a Monday, model time 0; the hour is an assumption), 35 weeks, with the
reported birth weight.  Durations are drawn as in the baseline, so the replay
is run {n} times.  The timeline of the first replication, in clock time:

{timeline}

Over all replications:

{facts}

The request day, the team of 11, the weight and the destination are
reproduced by construction (scenario data); the timing is the model's own.
After the telephone consultation the case is booked into the first weekday
planned-operating slot (08:00-16:00, assumption A12) that is at least the
minimum lead after the decision and after her preoperative stabilisation at
CLH (lognormal, median 12 h, interquartile range 6-24 h, assumption A5,
capped at 48 h, A11), and never later than 48 h after the decision (A11:
outside the windows if none opens before then); the team is requested an
hour before the slot, at the day shift's handover (A12).
Surgery therefore falls on Tuesday 8 July unless her stabilisation runs past
16:00 that day, when she is booked into Wednesday's window.  The index operation's "just over 30 minutes"
compares with a model median of {surgery_median:.0f} min from incision to the
end of closure: the model adds incision-to-delivery (about 4 min, Vietnamese
data) to a closure time derived from elective caesareans (Wilson 2009, skin
to closure 43 ± 15 min less delivery).  One operation cannot calibrate a
distribution; the table gives its share of the model's range."""

AUDIT = """## (d) Decision-to-delivery intervals against published audits

{n} replications of the baseline year.  Percentiles pool every delivered
case; means and shares have 95% intervals over replications.

{distribution}

NHOG's own emergency caesareans ("home") against audits of in-hospital
category 1 and 2 caesareans (`docs/parameters.md`, decision-to-delivery
audits):

{comparison}

Why they differ (the last column says where the model lies).  The model
builds a home DDI from its parts: the decision-to-theatre time (an
assumption: triangular 5-10-25 min for category 1 and 15-30-75 min for
category 2, bracketed by Tuffnell 2001 and Temesgen 2020), then anaesthesia
from theatre entry to incision (Palmer et al., SOAP 2017: medians 11 and 21
min), then incision to delivery (about 4 min), plus any wait for the
surgical team and a theatre, which outreach calls also draw on.  The medians
of these parts add up to {parts_cat1:.0f} min for category 1 and
{parts_cat2:.0f} min for category 2 before any wait, so few category 2 babies
can be delivered within 30 minutes in the model, whereas the systematic
review found 36% of them delivered within 30 minutes: in practice many
category 2 caesareans move faster than the model's category 2 preparation
allows.  The units with the shortest category 1 intervals run "crash"
protocols that compress these steps (Singapore KKH: mean 9.4 min, general
anaesthesia in 88.9%; Newton Dunn et al., Indian J Anaesth 2016), while the
Ethiopian audits report longer intervals than the model.  There is no Vietnamese DDI audit
to calibrate against (`docs/parameters.md`): the home intervals are the least certain
part of the baseline, and the decision-to-theatre assumption is the lever to
revisit when NHOG audit data become available.

Outreach cases have no published comparator.  Category 1 and 2 outreach
cases cannot meet 30 or 75 minutes: mobilising the team (triangular 15-30-60
min, assumption A1), travel and set-up come first, and the mother's minimum
resuscitation at the host (assumption A9) runs alongside.  Planned cases are
booked into the first weekday planned-operating slot (08:00-16:00, A12) after
the minimum lead and her stabilisation (A5, capped at 48 h, A11), as in the
index case, or at the 48-h cap when no window opens before it, and counted
against a 24-hour target; a mother who deteriorates (A10) becomes category 1
and is delivered as soon as team and room are there."""

SOAK = """## (e) Soak: {years} simulated years at doubled demand

One replication of `scenarios/double-demand.yaml` (twice the baseline's
outreach referrals and home emergencies) over {years} years, stepped a year at
a time.  After each year: event rows logged so far, SimPy events processed,
events still scheduled, requests waiting at the broker (and how many of them
wait for a NICU cot), and the resident memory of the process, which runs
the soak alone.

{yearly}

The model's own state stays bounded: the SimPy events scheduled at the end
of each year stay between {scheduled_low} and {scheduled_high}.  Requests
waiting at the broker number {waiting_first} after the first year and
{waiting_last} after the last, {nicu_last} of them newborns waiting for a NICU
cot: at doubled demand the Neonatal Center's offered load is at least
{nicu_load:.2f} per cot, {nicu_note}.  Memory grows with the event log, the run's output, at
about {per_row:.0f} bytes per event row; a results folder streams each
replication to disk, so memory does not accumulate over replications.  The
whole run logged {event_rows:,} event rows for {cases:,} cases ({completed:,}
completed by the horizon); peak resident memory {peak_resident_MB:,.0f} MB,
including the tables and the checks below.

{checks}

{held} of {total} invariants hold."""
