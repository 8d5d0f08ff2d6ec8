"""Stage 2: work orders (接诉即办) with their timelines, extension requests and links.

Orders are received from 1 January two years before ``now`` (local) up to ``now``, with growth over time, fewer on
weekends and holidays and a summer peak. Numbers ``RX-{year}-{seq:06d}`` follow the order
of receipt. Each order gets a planned life (contact within 24 hours, dispatch with a
deadline of ``add_workdays(dispatched_at, category.handling_workdays)``, acceptance,
possible bounce / extension / supervision, resolution, callback and re-dispatch when the
caller was unsatisfied) which is cut at ``now``: whatever has not happened yet stays in the
future, so recent orders are naturally spread over every open status.

Timelines use the actions and transitions of :mod:`db.rules.order_fsm` (receive, answer,
contact, dispatch, bounce, accept, request_extension, decide_extension, resolve, callback,
cancel, supervise, urge) with the ``data`` the services write, so generated history looks
like history made through the app. Conventions:
- 即办 (instant) orders are answered at intake: receive -> answer (received -> archived),
  with no dispatch, platform, deadline or callback.
- ``warn_at`` (the yellow point) is ``warn_point(dispatched_at, due_at)``.
- An approved extension of k working days makes ``due_at`` equal to
  ``add_workdays(dispatched_at, handling_workdays + k)`` (the service counts k working
  days on from the old deadline: the same day); orders re-dispatched after an unsatisfied
  callback (callback: resolved -> dispatched) get a fresh clock from the callback and never
  an extension.
- An open order past its deadline is supervised in red (a 'supervise' event, then an
  'urge' when it stays open for days); an open order at 80% or more of its clock is
  supervised in yellow. Closed orders that were resolved late keep their red supervision.
- Tiers (issue #21, item 5), drawn from a random stream of their own (``self.tiers``: the main
  stream and the repeats' are drawn as before, so every other record is unchanged): VILLAGE_SHARE
  of the 就地办 orders are dispatched to the village of their grid (``handler_village_id``, no
  platform or department: ``orders.dispatch_local``'s note and data), accepted by its grid workers
  and resolved in words that name no department; a few others went to the village first and were
  sent back. Every 吹哨办 dispatch names one or two assisting departments of the township's other
  platforms (``OrderAssist``, 'assigned' at the dispatch), each accepting ('assist_accept') and
  reporting ('assist_report') before the lead resolves; a 吹哨办 sent to a wrong lead first has its
  open parts withdrawn at the bounce. A part's state is what has happened by ``now``.
- Duplicates are cancelled with ``duplicate_of_id`` set and a RecordLink
  (from the duplicate to the original, kind 'duplicate').
- Cross-channel repeats (重合度, docs/kpi.md): a share of the petitions of households
  (``ESCALATED``) take up a call (热线, 12345, 线上) of a household of the township made one day to
  ``ESCALATE_DAYS`` before, unsolved to the caller's mind: that household and caller, the same
  top-level category, a petition now. A 12345 ticket comes from the county's platform without
  the township's household (``UNLINKED_12345`` of them carry the caller's phone and a place, not
  the household). The calls and petitions of households are handed to the grid stage
  (``ctx.call_orders``), which has the grid worker report some of them first and follow some up
  (db/demo/gridwork.py). The repeats draw from a random stream of their own and every draw of the
  main stream is made as before (a petition that may become a dispute takes up a call of its own
  village, one that may become a platform case a call of its own grid: the later stages draw from
  the order's village and grid), so the rest of the generator is unchanged, short of a rare
  duplicate of such a petition or a dispute party drawn from the household it takes up.
- At county scale, orders received more than ``ScaleSpec.full_timeline_days`` before
  ``now`` keep only their first and last timeline events, to keep the benchmark fast.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import accumulate

from db.demo import vocab
from db.demo.context import (
    LOCAL_OFFSET,
    CategoryInfo,
    Context,
    Grid,
    Household,
    Person,
    Platform,
    Township,
)
from db.models import ExtensionRequest, OrderAssist, RecordLink, WorkOrder, WorkOrderEvent
from db.models.orders import CHANNELS, SATISFACTION
from db.rules.sla import contact_deadline, deadline_provisional, warn_point

CHANNEL_WEIGHTS = (
    ("hotline", 46.0),
    ("walk_in", 14.0),
    ("grid", 14.0),
    ("12345", 12.0),
    ("petition", 2.5),
    ("online", 11.5),
)
HOUR_WEIGHTS = (
    0.15,
    0.1,
    0.08,
    0.08,
    0.1,
    0.2,
    0.6,
    1.5,
    4.0,
    5.0,
    4.8,
    4.2,
    2.5,
    2.4,
    4.0,
    4.2,
    4.0,
    3.5,
    2.2,
    1.8,
    1.5,
    1.0,
    0.6,
    0.3,
)
RECENT_STUCK_DAYS = 45
CALL_CHANNELS = ("hotline", "12345", "online")
ESCALATED = 0.9  # of the petitions of households: a fitting earlier call taken up again, when there is one
ESCALATE_DAYS = 28  # within the overlap's 30 days (db/queries/overlap.py KEY_WINDOW_DAYS)
CALL_POOL = (30, 300)  # the latest calls of households kept per village and per township
UNLINKED_12345 = 0.6
TIERS_ALL = ("instant", "local", "whistle")
VILLAGE_SHARE = 0.6  # of the 就地办 orders: dispatched to their village, handled by its grid workers
VILLAGE_FIRST = 0.5  # of the 就地办 orders sent to a wrong handler first and not the village's: the village
ASSIST_ONE = 0.55  # of the 吹哨办 dispatches: one assisting department (else two)
RECENT_UNSIGNED = timedelta(days=4)  # a part of a 吹哨办 dispatched this recently and open may wait to be signed

# a planned event: (at, action, to_status or None, note, data)
Planned = tuple[datetime, str, "str | None", str, "dict | None"]


class _OrderStage:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rng = ctx.rng
        self.now = ctx.now
        self.channels = [c for c, _ in CHANNEL_WEIGHTS]
        self.channel_cum = list(accumulate(w for _, w in CHANNEL_WEIGHTS))
        self.petition_cats = [c for c in ctx.categories if c.petition > 0]
        self.petition_cum = list(accumulate(c.petition for c in self.petition_cats))
        grids = [g for t in ctx.townships for g in t.grids]
        self.grids = grids
        self.grid_cum = list(accumulate(len(g.households) + (12.0 if g.kind == "special" else 5.0) for g in grids))
        self.dept_names = [(p.code, name) for p in ctx.townships[0].platforms.values() for name in p.departments]
        self.dept_words = tuple(sorted({name for _, name in self.dept_names}))  # no 就地办 result names one
        # the latest orders from known households, for duplicates (重复诉求)
        self.recent: list[tuple[int, str, datetime, CategoryInfo, Grid, Household, Person]] = []
        self.slim_before = (
            self.now - timedelta(days=ctx.spec.full_timeline_days) if ctx.spec.full_timeline_days else None
        )
        self.event_table = WorkOrderEvent
        self.order_table = WorkOrder
        # per village and per township, the latest calls of households that a petition may take
        # up: (order id, received, category, grid, household, caller)
        self.calls: dict[tuple[str, int], list[tuple[int, datetime, CategoryInfo, Grid, Household, Person]]] = {}
        # the repeats' own random stream, seeded from the main one without drawing from it
        self.side = random.Random(f"cross-channel:{ctx.rng.getstate()[1][:8]}")  # nosec B311
        # the tiers' own stream (就地办 to the village, 吹哨办's assisting departments), drawn from
        # neither of the others: every other order, record and count is as before
        self.tiers = random.Random(f"tiers:{ctx.rng.getstate()[1][:8]}")  # nosec B311
        # the assisting parts planned for the current order (see _assist_times, _assist_rows)
        self.parts: list[dict] = []

    # ------------------------------------------------------------------ main loop
    def run(self) -> None:
        ctx = self.ctx
        n = ctx.orders
        times = ctx.sample_times(n, HOUR_WEIGHTS, growth=2.0)
        for i, received in enumerate(times):
            # the latest few orders are pinned to each early status so that every status
            # is present even in small runs
            back = n - i
            forced = (
                None
                if back > 12
                else "received"
                if back <= 3
                else "contacted"
                if back <= 6
                else "dispatched"
                if back <= 9
                else "resolved"
            )
            self.one(i + 1, received, forced)
            if (i + 1) % 50_000 == 0:
                ctx.progress("工单", i + 1)
        ctx.progress("工单", n)

    def one(self, order_id: int, received: datetime, forced: str | None) -> None:
        ctx, rng, now = self.ctx, self.rng, self.now
        channel = ctx.pick(self.channels, self.channel_cum)
        duplicate_of = None
        hh: Household | None
        person: Person | None
        if self.recent and rng.random() < 0.012:
            candidate = rng.choice(self.recent)
            if received - candidate[2] < timedelta(days=7):
                duplicate_of = candidate
        if duplicate_of is not None:
            grid, hh, person = duplicate_of[4], duplicate_of[5], duplicate_of[6]
        else:
            grid = ctx.pick(self.grids, self.grid_cum)
            hh, person = self._caller_household(grid)
        town = grid.village.township
        yellow = None  # (category, contact time, dispatch time) of an order pinned at 80%+
        if (
            forced is None
            and duplicate_of is None
            and timedelta(days=1) < now - received < timedelta(days=12)
            and rng.random() < 0.06
        ):
            yellow = self._yellow_fit(received)
        if yellow is not None:
            forced = "yellow"
            cat = yellow[0]
        elif duplicate_of is not None:
            cat = duplicate_of[3]
        elif channel == "petition":
            cat = ctx.pick(self.petition_cats, self.petition_cum)
        else:
            cat = ctx.pick(ctx.categories, ctx.category_cum)
        if channel == "walk_in" and not 0 <= (received + LOCAL_OFFSET).hour - 8 <= 9:
            channel = "hotline"
        number = ctx.number("RX", received)
        # a petition taking up a household's earlier call (drawn from the repeats' own stream; the
        # draws above and below are made as for any order, so the main stream is unchanged)
        escalated = (
            self._escalation(received, cat, grid)
            if channel == "petition" and duplicate_of is None and yellow is None and person is not None
            else None
        )
        drawn_grid = grid
        if escalated is not None:
            grid, hh, person = escalated[3], escalated[4], escalated[5]
            town = grid.village.township
        if hh is not None and person is not None and duplicate_of is None:
            self.recent.append((order_id, number, received, cat, grid, hh, person))
            if len(self.recent) > 40:
                del self.recent[0]
        if (
            channel in CALL_CHANNELS
            and hh is not None
            and person is not None
            and duplicate_of is None
            and cat.tier != "instant"
        ):
            for pool, size in zip((("village", grid.village.id), ("township", town.id)), CALL_POOL, strict=True):
                calls = self.calls.setdefault(pool, [])
                calls.append((order_id, received, cat, grid, hh, person))
                if len(calls) > size:
                    del calls[0]
        # a 12345 ticket from the county's platform knows the caller's phone, not the household
        unlinked = channel == "12345" and hh is not None and self.side.random() < UNLINKED_12345
        linked = None if unlinked else hh

        # caller and text
        if person is not None:
            caller_name, caller_phone = person.name, person.phone
            shows_id = channel in ("walk_in", "petition") or rng.random() < 0.08
            caller_id = person.id_number if shows_id else None
            address = linked.address if linked is not None else None
        else:
            name, gender, birth_year = ctx.ids.person(ctx.now_year, 20, 75)
            caller_name, caller_phone = name, ctx.ids.mobile()
            caller_id = None
            address = None
        place = rng.choice(drawn_grid.places)
        if escalated is not None:
            place = self.side.choice(grid.places)
        if address is None:
            address = f"{grid.label}{place}"
        kw = {
            "v": grid.label,
            "p": place,
            "d": vocab.DAYS_CN[rng.randint(2, 5)],
            "n": rng.randint(2, 9),
            "who": ctx.ids.surname() + "某",
        }
        k = rng.randrange(len(cat.details))  # titles and details are parallel lists
        title = (grid.label + cat.titles[k])[:100]
        description = vocab.CHANNEL_PREFIX[channel] + cat.details[k].format(**kw)
        tier = cat.tier
        if rng.random() < 0.12:
            tier = rng.choice([t for t in TIERS_ALL if t != cat.tier])
        if channel == "petition" and tier == "instant":
            tier = "whistle"
        if forced in ("dispatched", "resolved", "yellow") and tier == "instant":
            tier = "local"
        urgency = "normal"
        r = rng.random()
        if r < 0.02 or (cat.code == "ZAFZ05" and r < 0.3):
            urgency = "critical"
        elif r < 0.12:
            urgency = "urgent"
        platform = town.platforms[cat.platform]
        dept_name = cat.department
        department_id = platform.departments[dept_name]

        plan: list[Planned] = [
            (received, "receive", "received", f"{CHANNELS[channel]}受理：{title}", {"channel": channel})
        ]
        row = self._empty_row(
            order_id,
            number,
            town.id,
            channel,
            caller_name,
            caller_phone,
            caller_id,
            grid,
            linked,
            address,
            cat,
            tier,
            urgency,
            title,
            description,
            received,
        )
        ext_rows: list[dict] = []

        if forced == "received":
            pass
        elif duplicate_of is not None:
            reason = f"重复诉求，已并入工单{duplicate_of[1]}办理。"
            plan.append(
                (
                    received + timedelta(minutes=rng.randint(10, 180)),
                    "cancel",
                    "cancelled",
                    reason,
                    {"duplicate_of": duplicate_of[1]},
                )
            )
            row["duplicate_of_id"] = duplicate_of[0]
            row["cancelled_reason"] = reason
            row["result"] = None
        else:
            self.parts = []
            self._plan_life(
                plan,
                row,
                ext_rows,
                cat,
                tier,
                channel,
                platform,
                department_id,
                dept_name,
                grid,
                forced,
                yellow[1:] if yellow else None,
            )

        # whole seconds; cut at now and derive the order's columns from what has happened
        plan = [(e[0].replace(microsecond=0), *e[1:]) for e in plan]
        plan.sort(key=lambda e: e[0])
        happened = [e for e in plan if e[0] <= now]
        status = None
        events: list[dict] = []
        for at, action, to_status, note, data in happened:
            from_status = status
            if to_status is not None:
                status = to_status
            events.append(
                dict(
                    order_id=order_id,
                    at=at,
                    actor_id=None,
                    action=action,
                    from_status=from_status,
                    to_status=status,
                    note=note,
                    data=data,
                )
            )
        self._apply(row, happened, status)
        if self.parts:
            self._assist_rows(order_id)  # before the events: they name the parts' ids
            self.parts = []
        if duplicate_of is not None:
            ctx.add(
                RecordLink,
                dict(
                    id=ctx.next_id(RecordLink),
                    from_type="work_order",
                    from_id=order_id,
                    to_type="work_order",
                    to_id=duplicate_of[0],
                    kind="duplicate",
                    created_at=row["updated_at"],
                ),
            )
        ctx.add(self.order_table, row)
        if self.slim_before is not None and received < self.slim_before and len(events) > 2:
            events = [events[0], events[-1]]
        for ev in events:
            ev["id"] = ctx.next_id(self.event_table)
            ctx.add(self.event_table, ev)
        for ext in ext_rows:
            ctx.add(ExtensionRequest, ext)
        self._pools(order_id, row, grid, hh, person, cat, status, escalated is not None)

    # ------------------------------------------------------------------ helpers
    def _escalation(self, received: datetime, cat: CategoryInfo, grid: Grid) -> tuple | None:
        """A household's call of the same top-level category, made one day to ESCALATE_DAYS before,
        that the petition takes up (for ESCALATED of them): of the petition's township; of its
        village when it may become a dispute (the ledger draws the parties from the village), of its
        grid when it may become a platform case (whose place is drawn from the grid)."""
        side = self.side
        if side.random() >= ESCALATED:
            return None
        same_grid = cat.platform in ("shichang", "zhifa")
        pool = (
            ("village", grid.village.id)
            if same_grid or cat.dispute_type is not None
            else ("township", grid.village.township.id)
        )
        fits = [
            c
            for c in self.calls.get(pool, ())
            if c[2].top_name == cat.top_name
            and (c[3] is grid or not same_grid)
            and timedelta(days=1) < received - c[1] < timedelta(days=ESCALATE_DAYS)
        ]
        return side.choice(fits) if fits else None

    def _caller_household(self, grid: Grid) -> tuple[Household | None, Person | None]:
        rng = self.rng
        if grid.households and rng.random() < 0.7:
            hh = rng.choice(grid.households)
            adults = hh.adults_with_phone(self.ctx.now_year)
            if adults:
                head = hh.residents[0]
                person = head if head in adults and rng.random() < 0.5 else rng.choice(adults)
                return hh, person
        return None, None

    def _empty_row(
        self,
        order_id: int,
        number: str,
        township_id: int,
        channel: str,
        caller_name: str,
        caller_phone: str | None,
        caller_id: str | None,
        grid: Grid,
        hh: Household | None,
        address: str,
        cat: CategoryInfo,
        tier: str,
        urgency: str,
        title: str,
        description: str,
        received: datetime,
    ) -> dict:
        return dict(
            id=order_id,
            number=number,
            township_id=township_id,
            channel=channel,
            caller_name=caller_name,
            caller_phone=caller_phone,
            caller_id_number=caller_id,
            village_id=grid.village.id,
            grid_id=grid.id,
            household_id=hh.id if hh is not None else None,
            address=address,
            category_id=cat.id,
            tier=tier,
            urgency=urgency,
            title=title,
            description=description,
            platform_id=None,
            department_id=None,
            handler_village_id=None,
            status="received",
            received_at=received,
            created_by=None,
            assignee_id=None,
            contact_due_at=contact_deadline(received),
            contacted_at=None,
            dispatched_at=None,
            due_at=None,
            warn_at=None,
            due_workdays=None,
            due_provisional=False,
            resolved_at=None,
            result=None,
            callback_at=None,
            satisfaction=None,
            cancelled_reason=None,
            supervised=False,
            supervision_level=None,
            supervisor_user_id=None,
            redispatch_count=0,
            extension_count=0,
            bounce_count=0,
            urge_count=0,
            duplicate_of_id=None,
            version=1,
            updated_at=received,
        )

    def _yellow_fit(self, received: datetime) -> tuple[CategoryInfo, datetime, datetime] | None:
        """A category whose clock, started now-ish after ``received``, is 80-97% used now:
        such orders are pinned open so that yellow (临期) supervision has examples."""
        ctx, rng, now = self.ctx, self.rng, self.now
        t = received + timedelta(minutes=rng.randint(10, 60))
        td = t + timedelta(minutes=rng.randint(5, 30))
        fits = []
        for cat in ctx.categories:
            if cat.tier == "instant":
                continue
            due = ctx.deadline(td, cat.workdays)
            if due > now and 0.8 <= (now - td) / (due - td) < 0.97:
                fits.append(cat)
        if not fits:
            return None
        return rng.choice(fits), t, td

    def _contact_delay(self, channel: str) -> timedelta:
        rng = self.rng
        if rng.random() < 0.02:
            return timedelta(minutes=rng.randint(24 * 60 + 5, 32 * 60))
        lo, hi = {
            "walk_in": (1, 10),
            "hotline": (8, 360),
            "grid": (10, 240),
            "12345": (30, 720),
            "petition": (60, 1200),
            "online": (30, 1200),
        }[channel]
        return timedelta(minutes=int(lo + (hi - lo) * rng.random() ** 2))

    def _plan_life(
        self,
        plan: list[Planned],
        row: dict,
        ext_rows: list[dict],
        cat: CategoryInfo,
        tier: str,
        channel: str,
        platform: Platform,
        department_id: int,
        dept_name: str,
        grid: Grid,
        forced: str | None,
        pinned: tuple[datetime, datetime] | None,
    ) -> None:
        """Plan the whole life of an order (it is cut at ``now`` afterwards). ``forced``
        pins one of the latest orders to an early status, or ('yellow') keeps an order open
        at 80%+ of its clock with the contact and dispatch times given in ``pinned``.

        Tiers (issue #21, item 5; every draw for them from ``self.tiers``): VILLAGE_SHARE of the
        就地办 orders go to their village (``handler_village_id``; its grid workers accept and
        resolve, no department is named); a 吹哨办 order's department leads and one or two
        departments of the township's other platforms assist, each part accepted and reported
        between the dispatch and the lead's resolution (``self.parts``)."""
        ctx, rng, now = self.ctx, self.rng, self.now
        received = row["received_at"]
        span = now - received  # forced orders fit their steps into it
        template = rng.choice(cat.results)
        result = template.format(dept=dept_name, v=grid.label, n=rng.randint(3, 10))
        row["result"] = result
        if tier == "instant" and forced is None:
            # 简单事项即办: answered during the call or visit (received -> archived)
            plan.append((received, "answer", "archived", f"即办答复：{result}", None))
            return
        tiers = self.tiers
        town = grid.village.township
        village = grid.village if tier == "local" and tiers.random() < VILLAGE_SHARE else None
        if village is not None and any(name in result for name in self.dept_words):
            # a result naming a department: the village's own words instead
            result = tiers.choice(vocab.VILLAGE_RESULTS)
            row["result"] = result
        if pinned is not None:
            t = pinned[0]
        elif forced is not None:
            t = received + span * 0.15
        else:
            t = received + self._contact_delay(channel)
        contact_note = (
            "当面确认诉求细节，告知办理流程。"
            if channel == "walk_in"
            else "已电话联系诉求人，确认诉求细节并告知办理流程。"
        )
        plan.append((t, "contact", "contacted", contact_note, {"late": t > row["contact_due_at"]}))
        if forced == "contacted":
            return
        if forced is None and rng.random() < 0.012:
            reason = rng.choice(vocab.CANCEL_REASONS)
            plan.append((t + timedelta(minutes=rng.randint(20, 1440)), "cancel", "cancelled", reason, None))
            row["cancelled_reason"] = reason
            return

        # callback results decided up front: an unsatisfied callback always re-dispatches
        # (order_fsm), so only the last of up to three rounds is satisfied or basic
        rounds: list[str] = []
        sat = rng.choices(("satisfied", "basic", "unsatisfied"), (0.86, 0.09, 0.05))[0]
        rounds.append(sat)
        while sat == "unsatisfied":
            weights = (0.55, 0.30, 0.15) if len(rounds) < 2 else (0.6, 0.4, 0.0)
            sat = rng.choices(("satisfied", "basic", "unsatisfied"), weights)[0]
            rounds.append(sat)
        if forced is not None:
            rounds = ["satisfied"]
        recent = now - received < timedelta(days=RECENT_STUCK_DAYS)
        stuck = forced is None and recent and rng.random() < 0.07
        wd = cat.workdays
        # first dispatch, possibly to the wrong department and bounced back
        if pinned is not None:
            td = pinned[1]
        elif forced is not None:
            td = received + span * 0.3
        else:
            td = t + timedelta(minutes=rng.randint(5, 120))
        if forced is None and rng.random() < 0.03:
            wrong_code, wrong_dept = rng.choice([d for d in self.dept_names if d[1] != dept_name])
            wrong = town.platforms[wrong_code]
            wrong_id = wrong.departments[wrong_dept]
            tb = td + timedelta(minutes=rng.randint(60, 480))
            reason = rng.choice(vocab.BOUNCE_REASONS)
            if tier == "local" and village is None and tiers.random() < VILLAGE_FIRST:
                # 就地办 first, sent back by the village: a department's matter
                home = grid.village
                plan.append(self._village_dispatch(td, home.name, home.id, wd))
                plan.append(
                    (
                        tb,
                        "bounce",
                        "contacted",
                        f"{home.name}退回：{tiers.choice(vocab.VILLAGE_BOUNCE_REASONS)}",
                        {"platform_id": None, "department_id": None, "village_id": home.id},
                    )
                )
            else:
                # to the wrong department (leading a 吹哨办: its assisting parts withdrawn at the bounce)
                helpers = self._assisting(town, wrong) if tier == "whistle" else []
                plan.append(self._department_dispatch(td, wrong, wrong_dept, wrong_id, wd, helpers))
                self._assist_times(plan, helpers, td, tb, withdrawn=True)
                data = {"platform_id": wrong.id, "department_id": wrong_id}
                if helpers:
                    data["withdrawn_assists"] = len(helpers)
                plan.append((tb, "bounce", "contacted", f"{wrong_dept}退回：{reason}", data))
            td = tb + timedelta(minutes=rng.randint(30, 240))
        leader = rng.choice(vocab.SUPERVISION_LEADERS)
        cycle = 0
        helpers = self._assisting(town, platform) if tier == "whistle" else []
        if village is not None:
            plan.append(self._village_dispatch(td, village.name, village.id, wd))
        else:
            plan.append(self._department_dispatch(td, platform, dept_name, department_id, wd, helpers))
        while True:
            due = ctx.deadline(td, wd)
            clock = due - td
            if rng.random() < 0.2:
                start_delay = timedelta(minutes=rng.randint(600, 4320))
            else:
                start_delay = timedelta(minutes=rng.randint(10, 480))
            ts = td + min(start_delay, clock * 0.3)
            if forced == "dispatched":
                ts = max(ts, now + timedelta(minutes=rng.randint(30, 600)))
            elif forced == "resolved":
                ts = received + span * 0.45
            plan.append(
                (
                    ts,
                    "accept",
                    "in_progress",
                    tiers.choice(vocab.VILLAGE_ACCEPT_NOTES)
                    if village is not None
                    else f"{dept_name}已签收，安排人员现场核实处理。",
                    None,
                )
            )
            busy_until = ts  # nothing is resolved before an extension request is decided
            if (
                cycle == 0
                and len(rounds) == 1
                and wd >= 3
                and forced is None
                and rng.random() < (0.12 if tier == "whistle" else 0.04)
            ):
                due, busy_until = self._plan_extension(plan, ext_rows, row, td, ts, due, wd)
            if stuck and cycle == len(rounds) - 1:
                t_res = now + timedelta(days=30)
            elif forced is None and rng.random() < 0.05:
                t_res = due + timedelta(minutes=rng.randint(120, 5760))
            else:
                share = rng.betavariate(2.2, 1.6) * 0.97  # of the remaining clock
                t_res = ts + max(timedelta(minutes=20), (due - ts) * share)
                warned = warn_point(td, due)
                if forced is None and warned <= now < due and t_res <= now and rng.random() < 0.4:
                    t_res = ctx.between(now + timedelta(hours=1), due - timedelta(minutes=1))
            if t_res <= busy_until:
                t_res = busy_until + timedelta(minutes=rng.randint(60, 2880))
            if forced == "resolved":
                t_res = received + span * 0.8
            elif pinned is not None:
                t_res = ctx.between(now + timedelta(hours=1), due - timedelta(minutes=1))
            if cycle == 0:  # every assisting part reports before the lead resolves
                self._assist_times(plan, helpers, td, t_res, lead_accepted=ts)
            if t_res > due and due < now:
                # overdue: 党委督办 (red), then 催办 while it stays open
                gap = min(t_res - due, now - due)
                at = due + min(gap * rng.uniform(0.1, 0.6), timedelta(hours=12))
                plan.append(
                    (
                        at,
                        "supervise",
                        None,
                        f"红色督办，由{leader}牵头跟进。",
                        {"level": "red", "supervisor_user_id": None},
                    )
                )
                if now - due > timedelta(days=5) and t_res - due > timedelta(days=5):
                    plan.append(
                        (
                            due + timedelta(days=rng.randint(3, 5)),
                            "urge",
                            None,
                            f"第1次催办：{leader}约谈"
                            f"{village.name if village is not None else '承办单位'}负责人，要求限期办结。",
                            {"urge_count": 1},
                        )
                    )
            elif t_res > now and due > now and now >= warn_point(td, due):
                plan.append(
                    (
                        warn_point(td, due) + timedelta(minutes=1),
                        "supervise",
                        None,
                        f"黄色督办：办理时限已过80%，由{leader}牵头跟进。",
                        {"level": "yellow", "supervisor_user_id": None},
                    )
                )
            plan.append((t_res, "resolve", "resolved", result, {"on_time": t_res <= due}))
            t_cb = t_res + timedelta(minutes=rng.randint(60, 4320))
            if forced == "resolved":
                t_cb = max(t_cb, now + timedelta(minutes=rng.randint(60, 1440)))
            sat = rounds[cycle]
            if sat == "unsatisfied":
                # 不满意重新交办: a fresh clock from the callback
                td = t_cb
                reason = rng.choice(vocab.UNSATISFIED_REASONS)
                handler: dict = (
                    {"village_id": village.id}
                    if village is not None
                    else {"platform_id": platform.id, "department_id": department_id}
                )
                plan.append(
                    (
                        t_cb,
                        "callback",
                        "dispatched",
                        f"回访诉求人，评价：不满意。重新交办"
                        f"{f'{village.name}就地办理' if village is not None else platform.name + dept_name}，"
                        f"限{wd}个工作日办结。{reason}。",
                        {
                            "satisfaction": sat,
                            "redispatch": True,
                            **handler,
                            "workdays": wd,
                            "due_at": ctx.deadline(td, wd).isoformat(),
                        },
                    )
                )
                cycle += 1
                continue
            plan.append(
                (t_cb, "callback", "archived", f"回访诉求人，评价：{SATISFACTION[sat]}。", {"satisfaction": sat})
            )
            break

    def _plan_extension(
        self, plan: list[Planned], ext_rows: list[dict], row: dict, td: datetime, ts: datetime, due: datetime, wd: int
    ) -> tuple[datetime, datetime]:
        """Plan one extension request. Returns the deadline after it (extended if approved)
        and the time until which the order cannot be resolved (the decision, or for ever
        while it is pending). Approval counts the extra working days on from the old
        deadline, as the service does, which equals
        ``add_workdays(dispatched_at, handling_workdays + k)``."""
        ctx, rng, now = self.ctx, self.rng, self.now
        req_at = (ts + (due - ts) * rng.uniform(0.4, 0.75)).replace(microsecond=0)
        decided = req_at + timedelta(minutes=rng.randint(60, 480))
        if decided >= due or req_at > now:
            return due, ts
        k = rng.randint(3, 10)
        reason = rng.choice(vocab.EXTENSION_REASONS)
        outcome = rng.choices(("approved", "refused"), (0.85, 0.15))[0]
        request_id = ctx.next_id(ExtensionRequest)
        plan.append(
            (
                req_at,
                "request_extension",
                None,
                f"申请延期{k}个工作日：{reason}",
                {"request_id": request_id, "workdays": k},
            )
        )
        ext = dict(
            id=request_id,
            order_id=row["id"],
            requested_by=None,
            requested_at=req_at,
            workdays=k,
            reason=reason,
            status="pending",
            decided_by=None,
            decided_at=None,
            new_due_at=None,
            version=1,
            updated_at=req_at,
        )
        ext_rows.append(ext)
        if decided > now:
            return due, now + timedelta(days=1)
        ext.update(decided_at=decided, updated_at=decided, version=2)
        if outcome == "refused":
            ext["status"] = "refused"
            plan.append(
                (
                    decided,
                    "decide_extension",
                    None,
                    f"不同意延期{k}个工作日。请按原时限办结。",
                    {"request_id": request_id, "workdays": k, "approved": False},
                )
            )
            return due, decided
        new_due = ctx.deadline(td, wd + k)
        ext.update(status="approved", new_due_at=new_due)
        plan.append(
            (
                decided,
                "decide_extension",
                None,
                f"同意延期{k}个工作日。",
                {
                    "request_id": request_id,
                    "workdays": k,
                    "approved": True,
                    "old_due_at": due.isoformat(),
                    "new_due_at": new_due.isoformat(),
                },
            )
        )
        return new_due, decided

    def _village_dispatch(self, td: datetime, name: str, village_id: int, wd: int) -> Planned:
        """就地办: the dispatch to the order's village, as ``orders.dispatch_local`` writes it."""
        due = self.ctx.deadline(td, wd)
        return (
            td,
            "dispatch",
            "dispatched",
            f"就地办：派至{name}，由网格员、村干部办理并反馈，限{wd}个工作日办结。",
            {
                "village_id": village_id,
                "workdays": wd,
                "due_at": due.isoformat(),
                "provisional": deadline_provisional(td, due, self.ctx.calendar),
            },
        )

    def _department_dispatch(
        self,
        td: datetime,
        platform: Platform,
        dept_name: str,
        department_id: int,
        wd: int,
        helpers: list[tuple[Platform, str, int]],
    ) -> Planned:
        """The dispatch to a department; with assisting departments a 吹哨办 it leads (the note
        and data of ``orders.dispatch`` with ``assisting``)."""
        due = self.ctx.deadline(td, wd)
        data: dict = {"platform_id": platform.id, "department_id": department_id}
        if not helpers:
            return (
                td,
                "dispatch",
                "dispatched",
                f"派至{platform.name}{dept_name}，限{wd}个工作日办结。",
                {**data, "workdays": wd, "due_at": due.isoformat()},
            )
        names = "、".join(p.name + name for p, name, _ in helpers)
        data["assisting"] = [d for *_, d in helpers]
        return (
            td,
            "dispatch",
            "dispatched",
            f"吹哨办：{platform.name}{dept_name}牵头，{names}协办，限{wd}个工作日办结。",
            {
                **data,
                "workdays": wd,
                "due_at": due.isoformat(),
                "provisional": deadline_provisional(td, due, self.ctx.calendar),
            },
        )

    def _assisting(self, town: Township, lead: Platform) -> list[tuple[Platform, str, int]]:
        """One or two assisting departments of a 吹哨办 led by a department of ``lead``: of the
        township's other platforms, one department each."""
        tiers = self.tiers
        others = [p for p in town.platforms.values() if p.id != lead.id and p.departments]
        k = min(1 if tiers.random() < ASSIST_ONE else 2, len(others))
        out = []
        for p in tiers.sample(others, k):
            name = tiers.choice(list(p.departments))
            out.append((p, name, p.departments[name]))
        return out

    def _assist_times(
        self,
        plan: list[Planned],
        helpers: list[tuple[Platform, str, int]],
        start: datetime,
        end: datetime,
        withdrawn: bool = False,
        lead_accepted: datetime | None = None,
    ) -> None:
        """Plan each assisting part of a dispatch at ``start``: assigned then; accepted some hours
        after it and reported after that and after the lead accepted (``lead_accepted``), before
        the lead resolves at ``end``; or, ``withdrawn``, sent back with the order at ``end``
        (accepted or not by then). Whole seconds (floored, as the plan is), so their order holds.
        Their rows are made once the plan is cut (``_assist_rows``)."""
        tiers = self.tiers
        start, end = start.replace(microsecond=0), end.replace(microsecond=0)
        window = end - start
        for p, name, dept_id in helpers:
            part = dict(
                platform_id=p.id,
                department_id=dept_id,
                assigned=start,
                accepted=None,
                reported=None,
                report=None,
                withdrawn=end if withdrawn else None,
                data=[],
            )
            if withdrawn:
                if tiers.random() < 0.5:
                    part["accepted"] = (start + window * tiers.uniform(0.1, 0.9)).replace(microsecond=0)
            else:
                delay = min(window * tiers.uniform(0.05, 0.4), timedelta(hours=tiers.uniform(2, 72)))
                part["accepted"] = (start + delay).replace(microsecond=0)
                if end > self.now and self.now - start < RECENT_UNSIGNED and tiers.random() < 0.6:
                    # a part of a recent 吹哨办 still open: often not signed for yet (待签收)
                    part["accepted"] = (self.now + (end - self.now) * tiers.uniform(0.05, 0.3)).replace(microsecond=0)
                begun = max(part["accepted"], min(lead_accepted or start, end))
                part["reported"] = (begun + (end - begun) * tiers.uniform(0.3, 0.95)).replace(microsecond=0)
                part["report"] = tiers.choice(vocab.ASSIST_REPORTS)
            if part["accepted"] is not None:
                data = {"assist_id": None, "department_id": dept_id}  # the id once the row is made
                part["data"].append(data)
                plan.append((part["accepted"], "assist_accept", None, f"{name}签收协办。", data))
            if part["reported"] is not None:
                data = {"assist_id": None, "department_id": dept_id}
                part["data"].append(data)
                plan.append((part["reported"], "assist_report", None, f"{name}协办反馈：{part['report']}", data))
            self.parts.append(part)

    def _assist_rows(self, order_id: int) -> None:
        """The order's assisting parts as of ``now`` (``OrderAssist``), from what has happened:
        none before their dispatch; assigned, accepted, reported or withdrawn (at the bounce) by
        then, with the version and time of their last step."""
        ctx, now = self.ctx, self.now
        for part in self.parts:
            if part["assigned"] > now:
                continue
            part_id = ctx.next_id(OrderAssist)
            for data in part["data"]:
                data["assist_id"] = part_id
            status, version, updated = "assigned", 1, part["assigned"]
            accepted = part["accepted"] if part["accepted"] is not None and part["accepted"] <= now else None
            reported = part["reported"] if part["reported"] is not None and part["reported"] <= now else None
            if accepted is not None:
                status, version, updated = "accepted", version + 1, accepted
            if reported is not None:
                status, version, updated = "reported", version + 1, reported
            elif part["withdrawn"] is not None and part["withdrawn"] <= now:
                status, version, updated = "withdrawn", version + 1, part["withdrawn"]
            ctx.add(
                OrderAssist,
                dict(
                    id=part_id,
                    order_id=order_id,
                    platform_id=part["platform_id"],
                    department_id=part["department_id"],
                    status=status,
                    assigned_at=part["assigned"],
                    accepted_at=accepted,
                    accepted_by=None,
                    reported_at=reported,
                    reported_by=None,
                    report=part["report"] if reported is not None else None,
                    version=version,
                    updated_at=updated,
                ),
            )

    def _apply(self, row: dict, happened: list[Planned], status: str | None) -> None:
        """Fill the order's columns from the events that have happened by ``now``."""
        ctx, now = self.ctx, self.now
        row["status"] = status
        row["updated_at"] = happened[-1][0]
        dispatch_data: dict | None = None
        ext_days, level = 0, None
        for at, action, to_status, _note, data in happened:
            if action in ("contact", "answer") and row["contacted_at"] is None:
                row["contacted_at"] = at
            if action == "dispatch" or (action == "callback" and to_status == "dispatched"):
                row["dispatched_at"] = at
                dispatch_data = data
                ext_days = 0
                if action == "callback":
                    row["redispatch_count"] += 1
            if action == "bounce":
                row["bounce_count"] += 1
            elif action in ("resolve", "answer"):
                row["resolved_at"] = at
            elif action == "callback" and data:
                row["callback_at"] = at
                row["satisfaction"] = data["satisfaction"]
            elif action == "decide_extension" and data and data["approved"]:
                row["extension_count"] += 1
                ext_days += data["workdays"]
            elif action == "urge":
                row["urge_count"] += 1
            elif action == "supervise" and data:
                level = data["level"]
        if status not in ("resolved", "archived"):
            row["resolved_at"] = None
            row["result"] = None
        if status != "cancelled":
            row["cancelled_reason"] = None
        if status in ("received", "contacted"):
            dispatch_data = None  # never dispatched, or bounced back and awaiting a new dispatch
            row["dispatched_at"] = None
        if dispatch_data is not None:  # a department's (platform_id, department_id) or its village's
            row["platform_id"] = dispatch_data.get("platform_id")
            row["department_id"] = dispatch_data.get("department_id")
            row["handler_village_id"] = dispatch_data.get("village_id")
            due = ctx.deadline(row["dispatched_at"], dispatch_data["workdays"] + ext_days)
            row["due_at"] = due
            row["warn_at"] = warn_point(row["dispatched_at"], due)
            row["due_workdays"] = dispatch_data["workdays"] + ext_days
            # a clock that reaches a year whose schedule is not entered is provisional, as in the service
            row["due_provisional"] = deadline_provisional(row["dispatched_at"], due, ctx.calendar)
        if (
            status in ("received", "contacted", "dispatched", "in_progress")
            and row["due_at"] is not None
            and row["due_at"] < now
        ):
            level = "red"
        if level is not None:
            row["supervised"] = True
            row["supervision_level"] = level

    def _pools(
        self,
        order_id: int,
        row: dict,
        grid: Grid,
        hh: Household | None,
        person: Person | None,
        cat: CategoryInfo,
        status: str | None,
        escalated: bool = False,
    ) -> None:
        ctx = self.ctx
        if status == "cancelled":
            return
        received = row["received_at"]
        if row["channel"] == "grid":
            ctx.grid_orders.append(
                (order_id, grid, hh, received, status, row["resolved_at"], row["callback_at"], cat, row["title"])
            )
        elif hh is not None and row["channel"] in (*CALL_CHANNELS, "petition") and not escalated:
            # (a petition taking up a call is the grid's to see through that call)
            ctx.call_orders.append((order_id, grid, hh, received, row["channel"], cat, row["title"]))
        if cat.dispute_type is not None:
            ctx.dispute_orders.append((order_id, grid, hh, person, received, cat.dispute_type))
        if (
            row["dispatched_at"] is not None
            and cat.platform in ("shichang", "zhifa")
            and (row["tier"] == "whistle" or self.rng.random() < 0.25)
        ):
            ctx.platform_orders.append(
                (
                    order_id,
                    grid,
                    cat.platform,
                    row["dispatched_at"],
                    row["due_at"],
                    status,
                    row["resolved_at"],
                    row["title"],
                    row["description"],
                    row["result"],
                    cat.code,
                    row["tier"],
                )
            )


def build(ctx: Context) -> None:
    _OrderStage(ctx).run()
