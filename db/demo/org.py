"""Stage 1: the organisation and the people on duty.

Townships, villages and communities, grids (rural / community / special), ten-household
units with their chiefs, households and residents, grid staff, party members with their
linked households, responsibility zones, commando teams and score history, mediators,
the four platforms with their departments, the category tree, and the service catalogue.

Deliberate gaps for the roster checks: a few grids whose chief or workers have left
(inactive); a few percent of households sit outside any ten-household unit; in each
township a handful of party members are linked to fewer than 5 or more than 15
households, and a few households are linked to no party member.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import bindparam, update

from db.demo import vocab
from db.demo.context import (
    CategoryInfo,
    Context,
    Grid,
    Household,
    Mediator,
    Person,
    Platform,
    Staff,
    Township,
    Village,
)
from db.models import (
    Category,
    CommandoTeam,
    Department,
    GridStaff,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Resident,
    ResponsibilityZone,
    ServiceItem,
    TenHouseholdUnit,
)
from db.models import (
    Grid as GridModel,
)
from db.models import (
    Household as HouseholdModel,
)
from db.models import (
    Mediator as MediatorModel,
)
from db.models import (
    Platform as PlatformModel,
)
from db.models import (
    Township as TownshipModel,
)
from db.models import (
    Village as VillageModel,
)
from db.models.people import PLATFORMS
from db.rules.sla import CONTACT_HOURS

# county totals from the seed article (郸城县): 3,809 grids
COUNTY_GRIDS = {"rural": 3145, "community": 282, "special": 382}
DEMO_RURAL_GRIDS = 82
DEMO_COMMUNITY_GRIDS_EACH = 6
VILLAGE_MEDIATORS_PER_18 = 96
TOWNSHIP_MEDIATORS = 8
OUTSIDE_UNIT_SHARE = 0.03
# grids whose chief (or all workers) left: grid id % 29 == 13 (chief), % 31 == 17 (workers)
VACANCY_EVERY, VACANT_CHIEF_AT, VACANT_WORKER_AT = 29, 13, 17


@dataclass
class VillagePlan:
    name: str
    kind: str  # village / community
    rural: int = 0
    community: int = 0
    specials: list[str] = field(default_factory=list)


@dataclass
class TownshipPlan:
    name: str
    code: str
    villages: list[VillagePlan]


# --------------------------------------------------------------------------- plans


def _split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    n = len(weights)
    if n == 0:
        return []
    base = [minimum] * n
    rest = total - minimum * n
    if rest <= 0:
        return base
    wsum = sum(weights)
    raw = [rest * w / wsum for w in weights]
    out = [b + int(r) for b, r in zip(base, raw, strict=False)]
    left = total - sum(out)
    order = sorted(range(n), key=lambda i: (-(raw[i] - int(raw[i])), i))
    for i in order[:left]:
        out[i] += 1
    return out


def demo_plan(rng: random.Random, code: str) -> TownshipPlan:
    """双庙街乡 as in the seed: 18 villages/communities, 98 grids."""
    villages: list[VillagePlan] = []
    rural_names = [n for n, k in vocab.DEMO_VILLAGES if k == "village"]
    sizes = _split(DEMO_RURAL_GRIDS, [1.0 + rng.random() * 0.3 for _ in rural_names], minimum=3)
    by_name: dict[str, VillagePlan] = {}
    it = iter(sizes)
    for name, kind in vocab.DEMO_VILLAGES:
        plan = VillagePlan(name, kind)
        if kind == "community":
            plan.community = DEMO_COMMUNITY_GRIDS_EACH
        else:
            plan.rural = next(it)
        villages.append(plan)
        by_name[name] = plan
    for special, host in vocab.DEMO_SPECIAL_GRIDS:
        by_name[host].specials.append(special)
    return TownshipPlan(vocab.DEMO_TOWNSHIP, code, villages)


def county_plans(rng: random.Random) -> list[TownshipPlan]:
    """18 townships of 泌阳县 with exactly the seed county's 3,145/282/382 grids."""
    plans = [demo_plan(rng, _township_code(vocab.COUNTY_TOWNSHIPS[0][0], 1))]
    used = {
        "rural": DEMO_RURAL_GRIDS,
        "community": 2 * DEMO_COMMUNITY_GRIDS_EACH,
        "special": len(vocab.DEMO_SPECIAL_GRIDS),
    }
    others = vocab.COUNTY_TOWNSHIPS[1:]
    rural = _split(
        COUNTY_GRIDS["rural"] - used["rural"], [0.25 if street else rng.uniform(0.75, 1.25) for _, street in others]
    )
    community = _split(
        COUNTY_GRIDS["community"] - used["community"],
        [12.0 if street else rng.uniform(0.6, 1.4) for _, street in others],
    )
    special = _split(COUNTY_GRIDS["special"] - used["special"], [rng.uniform(0.8, 1.2) for _ in others])
    for i, (name, _street) in enumerate(others):
        code = _township_code(name, i + 2)
        plans.append(_random_plan(rng, name, code, rural[i], community[i], special[i]))
    return plans


def _township_code(name: str, seq: int) -> str:
    kind = "0" if name.endswith("街道") else ("1" if name.endswith("镇") else "2")
    return f"{vocab.COUNTY_REGION}{kind}{seq:02d}"


def _random_plan(rng: random.Random, name: str, code: str, rural: int, community: int, special: int) -> TownshipPlan:
    villages: list[VillagePlan] = []
    n_comm = max(1, round(community / 6)) if community else 0
    n_vill = max(1, round(rural / 6)) if rural else 0
    taken: list[str] = []
    for k in _split(community, [rng.uniform(0.7, 1.3) for _ in range(n_comm)], minimum=1):
        stem = rng.choice(vocab.COMMUNITY_STEMS)
        vname = _unique(stem + "社区", taken)
        villages.append(VillagePlan(vname, "community", community=k))
    for k in _split(rural, [rng.uniform(0.7, 1.3) for _ in range(n_vill)], minimum=1):
        surname = rng.choices(
            [s for s, _ in vocab.SURNAMES], cum_weights=list(accumulate(w for _, w in vocab.SURNAMES))
        )[0]
        vname = _unique(surname + rng.choice(vocab.VILLAGE_SUFFIXES) + "村", taken)
        villages.append(VillagePlan(vname, "village", rural=k))
    kinds = list(vocab.SPECIAL_GRID_KINDS)
    rng.shuffle(kinds)
    for j in range(special):
        kind = kinds[j % len(kinds)]
        round_no = j // len(kinds)
        label = f"{name}{kind}" + (f"{vocab.CHINESE_DIGITS[round_no + 1]}区" if round_no else "")
        rng.choice(villages).specials.append(label)
    return TownshipPlan(name, code, villages)


def _unique(name: str, taken: list[str]) -> str:
    """``name``, or with a 前/后/东/西... prefix when the township already has one."""
    candidate = name
    for prefix in ("", "前", "后", "东", "西", "南", "北", "大", "小", "新", "老", "上", "下"):
        candidate = prefix + name
        if candidate not in taken:
            break
    else:  # pragma: no cover - 13 variants always suffice in practice
        candidate = f"{name}{len(taken)}"
    taken.append(candidate)
    return candidate


# --------------------------------------------------------------------------- builder


def build(ctx: Context) -> None:
    """Generate and buffer the whole organisation; fills ``ctx.townships`` and categories."""
    rng = ctx.rng
    plans = (
        [demo_plan(rng, _township_code(vocab.DEMO_TOWNSHIP, 1))] if ctx.spec.name == "township" else county_plans(rng)
    )
    unit_chiefs: list[dict] = []
    for plan in plans:
        town = _build_township(ctx, plan, unit_chiefs)
        ctx.townships.append(town)
        ctx.progress(f"组织架构：{town.name}", len(town.grids))
    ctx.writer.execute_many(
        update(TenHouseholdUnit)
        .where(TenHouseholdUnit.id == bindparam("unit_id"))
        .values(chief_resident_id=bindparam("chief_id"), updated_at=ctx.now),
        unit_chiefs,
    )
    _build_categories(ctx)
    _build_service_items(ctx)


def _build_township(ctx: Context, plan: TownshipPlan, unit_chiefs: list[dict]) -> Township:
    now = ctx.now
    town = Township(ctx.next_id(TownshipModel), plan.code, plan.name)
    ctx.add(TownshipModel, dict(id=town.id, code=town.code, name=town.name, county=vocab.COUNTY, updated_at=now))
    _build_platforms(ctx, town)
    village_seq = {"community": 0, "village": 199}
    for vplan in plan.villages:
        village_seq[vplan.kind] += 1
        village = Village(
            ctx.next_id(VillageModel), town, vplan.name, vplan.kind, f"{plan.code}{village_seq[vplan.kind]:03d}"
        )
        town.villages.append(village)
        _build_village(ctx, village, vplan, unit_chiefs)
        town.grids.extend(village.grids)
    town.grid_cum = list(accumulate(len(g.households) + (12.0 if g.kind == "special" else 5.0) for g in town.grids))
    _build_mediators(ctx, town)
    _build_teams_and_party(ctx, town)
    return town


def _build_platforms(ctx: Context, town: Township) -> None:
    for code, name in PLATFORMS.items():
        platform = Platform(ctx.next_id(PlatformModel), code, name)
        ctx.add(PlatformModel, dict(id=platform.id, township_id=town.id, code=code, name=name, updated_at=ctx.now))
        for dept in vocab.DEPARTMENTS[code]:
            dept_id = ctx.next_id(Department)
            platform.departments[dept] = dept_id
            ctx.add(
                Department,
                dict(
                    id=dept_id,
                    platform_id=platform.id,
                    name=dept,
                    active=True,
                    phone=f"0396-7{ctx.rng.randrange(10**6):06d}",
                    updated_at=ctx.now,
                ),
            )
        town.platforms[code] = platform


def _build_village(ctx: Context, village: Village, plan: VillagePlan, unit_chiefs: list[dict]) -> None:
    rng, spec = ctx.rng, ctx.spec
    dominant = village.name[0] if village.kind == "village" else None
    grid_specs: list[tuple[str, str]] = []  # (kind, special label)
    grid_specs += [("community", "")] * plan.community
    grid_specs += [("rural", "")] * plan.rural
    grid_specs += [("special", s) for s in plan.specials]
    # build in memory first: parents must be buffered before their children
    grid_rows: list[dict] = []
    for k, (kind, special) in enumerate(grid_specs, start=1):
        grid, row = _make_grid(ctx, village, kind, k, special)
        village.grids.append(grid)
        grid_rows.append(row)
        lo, hi = {
            "rural": spec.households_rural,
            "community": spec.households_community,
            "special": spec.households_special,
        }[kind]
        n_households = rng.randint(lo, hi)
        if kind == "special" and special.endswith("集贸市场"):
            n_households = max(n_households, 6)
        _make_households(ctx, grid, n_households, dominant)
    candidates = [
        p
        for g in village.grids
        for h in g.households
        for p in h.residents
        if p.is_party and 35 <= ctx.now_year - p.birth_year <= 62
    ]
    party_secretary = rng.choice(candidates).name if candidates else ctx.ids.person(ctx.now_year, 38, 58)[0]
    ctx.add(
        VillageModel,
        dict(
            id=village.id,
            township_id=village.township.id,
            code=village.code,
            name=village.name,
            kind=village.kind,
            party_secretary=party_secretary,
            updated_at=ctx.now,
        ),
    )
    for grid, row in zip(village.grids, grid_rows, strict=False):
        ctx.add(GridModel, row)
        grid.zone_id = ctx.next_id(ResponsibilityZone)
        ctx.add(
            ResponsibilityZone,
            dict(
                id=grid.zone_id,
                village_id=village.id,
                name=f"{grid.name}党员责任区",
                description=f"负责{grid.name}环境整治、安全排查、联系服务群众等任务",
                updated_at=ctx.now,
            ),
        )
        _assign_units(ctx, grid, unit_chiefs)
        for hh in grid.households:
            _emit_household(ctx, hh)
        _build_staff(ctx, grid)


def _make_grid(ctx: Context, village: Village, kind: str, k: int, special: str) -> tuple[Grid, dict]:
    rng = ctx.rng
    if kind == "special":
        name = f"{special}专属网格"
        label = special
        places: tuple[str, ...] = ("东门", "西侧", "院内", "门口", "北侧")
        desc = f"{special}专属网格，覆盖{special}及周边经营户、从业人员"
    elif kind == "community":
        street = vocab.COMMUNITY_STREETS[(k - 1) % len(vocab.COMMUNITY_STREETS)]
        name = f"{village.name}第{k}网格"
        label = village.name
        places = (street,) + tuple(f"{street}{p}" for p in vocab.COMMUNITY_PLACES)
        desc = f"{village.name}{street}沿线住宅小区及商户"
    else:
        group = vocab.CHINESE_DIGITS[k] if k < len(vocab.CHINESE_DIGITS) else str(k)
        name = f"{village.name}第{k}网格"
        label = village.name
        picks = rng.sample(vocab.RURAL_PLACES, 5)
        places = (f"{group}组",) + tuple(f"{group}组{p}" for p in picks)
        desc = f"{village.name}{group}组全体农户"
    grid = Grid(ctx.next_id(GridModel), village, kind, name, f"{village.code}{k:02d}", label, places)
    row = dict(
        id=grid.id, village_id=village.id, code=grid.code, name=name, kind=kind, description=desc, updated_at=ctx.now
    )
    return grid, row


# --------------------------------------------------------------------------- households


def _address(grid: Grid, idx: int) -> str:
    v = grid.village.name
    if grid.kind == "rural":
        return f"{v}{grid.places[0]}{idx + 1}号"
    if grid.kind == "community":
        street = grid.places[0]
        building, room = idx // 12 + 1, idx % 12
        return (
            f"{v}{street}{grid.code[-2:].lstrip('0') or '1'}号院{building}号楼{(room // 2 + 1) * 100 + room % 2 + 1}室"
        )
    suffix = "商铺" if grid.label.endswith("集贸市场") else "宿舍"
    return f"{grid.label}{suffix}{idx + 1}号"


def _compose(rng: random.Random) -> list[tuple[str, str, int]]:
    """(relation, gender, age) of one household's members; the head comes first."""
    r = rng.random()
    male_head = rng.random() < 0.85
    hg, sg = ("男", "女") if male_head else ("女", "男")

    def kids(n: int, max_age: int) -> list[tuple[str, str, int]]:
        out = []
        for _ in range(n):
            g = "男" if rng.random() < 0.52 else "女"
            out.append(("儿子" if g == "男" else "女儿", g, rng.randint(0, max(0, max_age))))
        return out

    if r < 0.06:
        return [("户主", "男" if rng.random() < 0.4 else "女", rng.randint(68, 92))]
    if r < 0.17:
        age = rng.randint(62, 88)
        return [("户主", hg, age), ("配偶", sg, max(55, age + rng.randint(-4, 3)))]
    if r < 0.48:
        age = rng.randint(28, 50)
        n = 1 if rng.random() < 0.45 else (2 if rng.random() < 0.85 else 3)
        return [("户主", hg, age), ("配偶", sg, age + rng.randint(-3, 3))] + kids(n, min(age - 22, 20))
    if r < 0.72:
        age = rng.randint(32, 55)
        out = [("户主", hg, age), ("配偶", sg, age + rng.randint(-3, 3))]
        out.append(("父亲" if rng.random() < 0.5 else "母亲", "男", min(92, age + rng.randint(22, 32))))
        if out[-1][0] == "母亲":
            out[-1] = ("母亲", "女", out[-1][2])
        elif rng.random() < 0.6:
            out.append(("母亲", "女", min(92, age + rng.randint(20, 30))))
        return out + kids(1 if rng.random() < 0.5 else 2, min(age - 22, 18))
    if r < 0.87:
        age = rng.randint(46, 66)
        g = "男" if rng.random() < 0.55 else "女"
        child_age = rng.randint(18, max(18, age - 22))
        return [
            ("户主", hg, age),
            ("配偶", sg, age + rng.randint(-3, 3)),
            ("儿子" if g == "男" else "女儿", g, child_age),
        ]
    if r < 0.94:
        return [("户主", "男" if rng.random() < 0.7 else "女", rng.randint(22, 60))]
    age = rng.randint(22, 35)
    return [("户主", hg, age), ("配偶", sg, age + rng.randint(-2, 3))]


def _make_households(ctx: Context, grid: Grid, count: int, dominant: str | None) -> None:
    rng, ids, now_year = ctx.rng, ctx.ids, ctx.now_year
    for idx in range(count):
        hh = Household(ctx.next_id(HouseholdModel), grid, _address(grid, idx))
        members = _compose(rng)
        family = dominant if dominant and rng.random() < 0.4 else ids.surname()
        left_behind = len(members) >= 4 and rng.random() < 0.12
        hardship = rng.random() < 0.03
        for pos, (relation, gender, age) in enumerate(members):
            birth_year = now_year - age
            if relation in ("配偶", "母亲") or (relation == "户主" and gender == "女" and len(members) > 1):
                surname = ids.surname()
            else:
                surname = family
            tags: list[str] = []
            if relation == "户主" and len(members) == 1 and age >= 65 and rng.random() < 0.85:
                tags.append("elderly_alone")
            if left_behind and age < 16:
                tags.append("left_behind_child")
            if rng.random() < 0.02:
                tags.append("disabled")
            if age >= 18 and rng.random() < 0.004:
                tags.append("mental_illness")
            if hardship and pos == 0:
                tags.append("hardship")
            if gender == "男" and 20 <= age <= 60 and rng.random() < 0.005:
                tags.append("released_prisoner")
            if age < 16:
                phone = None
            elif age < 18:
                phone = ids.mobile() if rng.random() < 0.4 else None
            elif age <= 75:
                phone = ids.mobile() if rng.random() < 0.93 else None
            else:
                phone = ids.mobile() if rng.random() < 0.35 else None
            p_party = (0.065 if gender == "男" else 0.028) if 25 <= age <= 85 else 0.0
            if "released_prisoner" in tags or "mental_illness" in tags:
                p_party = 0.0
            person = Person(
                id=ctx.next_id(Resident),
                name=ids.full_name(gender, birth_year, surname),
                gender=gender,
                birth_year=birth_year,
                id_number=ids.id_number(gender, birth_year),
                phone=phone,
                tags=tuple(tags),
                household=hh,
                relation=relation,
                is_party=rng.random() < p_party,
            )
            hh.residents.append(person)
        grid.households.append(hh)


def _assign_units(ctx: Context, grid: Grid, unit_chiefs: list[dict]) -> None:
    """Chunk the grid's households into ten-household units, leaving a few outside."""
    rng = ctx.rng
    inside = [h for h in grid.households if rng.random() >= OUTSIDE_UNIT_SHARE]
    if len(inside) < 5:
        return
    chunks: list[list[Household]] = []
    pos = 0
    while pos < len(inside):
        size = rng.randint(8, 12)
        chunk = inside[pos : pos + size]
        if len(chunk) < 5 and chunks:
            chunks[-1].extend(chunk)
        else:
            chunks.append(chunk)
        pos += size
    for j, chunk in enumerate(chunks, start=1):
        unit_id = ctx.next_id(TenHouseholdUnit)
        ctx.add(
            TenHouseholdUnit,
            dict(
                id=unit_id,
                grid_id=grid.id,
                name=f"{grid.name}第{j}十户单元",
                chief_resident_id=None,
                updated_at=ctx.now,
            ),
        )
        for hh in chunk:
            hh.unit_id = unit_id
        adults = [p for h in chunk for p in h.residents if 30 <= ctx.now_year - p.birth_year <= 72 and p.phone]
        chief = rng.choice(adults) if adults else chunk[0].residents[0]
        unit_chiefs.append({"unit_id": unit_id, "chief_id": chief.id})


def _emit_household(ctx: Context, hh: Household) -> None:
    head = hh.residents[0]
    tags: list[str] = []
    for p in hh.residents:
        for t in p.tags:
            if t not in tags:
                tags.append(t)
    phone = head.phone or next((p.phone for p in hh.residents if p.phone), None)
    ctx.add(
        HouseholdModel,
        dict(
            id=hh.id,
            grid_id=hh.grid.id,
            unit_id=hh.unit_id,
            address=hh.address,
            head_name=head.name,
            phone=phone,
            size=len(hh.residents),
            tags=",".join(tags) or None,
            updated_at=ctx.now,
        ),
    )
    for p in hh.residents:
        ctx.add(
            Resident,
            dict(
                id=p.id,
                household_id=hh.id,
                name=p.name,
                gender=p.gender,
                birth_year=p.birth_year,
                id_number=p.id_number,
                phone=p.phone,
                relation=p.relation,
                tags=",".join(p.tags) or None,
                is_party_member=p.is_party,
                updated_at=ctx.now,
            ),
        )


def _build_staff(ctx: Context, grid: Grid) -> None:
    """One grid chief and one or two grid workers, drawn from the grid's residents."""
    rng, now_year = ctx.rng, ctx.now_year
    adults = [p for h in grid.households for p in h.residents if p.phone and 22 <= now_year - p.birth_year <= 62]
    used: list[int] = []

    def pick(prefer_party: bool, max_age: int) -> tuple[str, str, str | None]:
        pool = [p for p in adults if p.id not in used and now_year - p.birth_year <= max_age]
        if prefer_party:
            party = [p for p in pool if p.is_party]
            if party and rng.random() < 0.7:
                pool = party
        if pool:
            p = rng.choice(pool)
            used.append(p.id)
            return p.name, p.phone or ctx.ids.mobile(), p.id_number
        name, gender, birth_year = ctx.ids.person(now_year, 24, 55)
        return name, ctx.ids.mobile(), ctx.ids.id_number(gender, birth_year)

    roles = [("chief", "part" if grid.kind == "rural" and rng.random() < 0.7 else "full")]
    n_workers = 2 if grid.kind == "community" or rng.random() < 0.45 else 1
    roles += [("worker", "full" if rng.random() < 0.85 else "part") for _ in range(n_workers)]
    # Deliberate vacancies for the roster's coverage check, chosen by grid id (no random
    # draw, so the rest of the data is unchanged): the post's holder has left (inactive).
    vacant = {"chief"} if grid.id % VACANCY_EVERY == VACANT_CHIEF_AT else set()
    if grid.id % (VACANCY_EVERY + 2) == VACANT_WORKER_AT:
        vacant.add("worker")
    for role, employment in roles:
        name, phone, id_number = pick(role == "chief", 62 if role == "chief" else 55)
        staff = Staff(ctx.next_id(GridStaff), grid, name, phone, role, employment)
        grid.staff.append(staff)
        ctx.add(
            GridStaff,
            dict(
                id=staff.id,
                grid_id=grid.id,
                name=name,
                phone=phone,
                id_number=id_number,
                staff_role=role,
                employment=employment,
                active=role not in vacant,
                updated_at=ctx.now,
            ),
        )


# --------------------------------------------------------------------------- people on duty


def _build_mediators(ctx: Context, town: Township) -> None:
    rng = ctx.rng
    specialities = vocab.TOWNSHIP_MEDIATOR_SPECIALITIES
    for k in range(TOWNSHIP_MEDIATORS):
        name = ctx.ids.person(ctx.now_year, 35, 62)[0]
        m = Mediator(
            ctx.next_id(MediatorModel), name, ctx.ids.mobile(), "township", specialities[k % len(specialities)]
        )
        town.mediators.append(m)
        ctx.add(
            MediatorModel,
            dict(
                id=m.id,
                township_id=town.id,
                village_id=None,
                name=m.name,
                phone=m.phone,
                level="township",
                employment="full" if k < 2 else "part",
                speciality=m.speciality,
                active=True,
                updated_at=ctx.now,
            ),
        )
    n_villages = len(town.villages)
    total = round(VILLAGE_MEDIATORS_PER_18 * n_villages / 18)
    base, extra = divmod(total, n_villages)
    bonus = rng.sample(range(n_villages), extra)
    spec_names = [s for s, _ in vocab.VILLAGE_MEDIATOR_SPECIALITIES]
    spec_cum = list(accumulate(w for _, w in vocab.VILLAGE_MEDIATOR_SPECIALITIES))
    for i, village in enumerate(town.villages):
        n = base + (1 if i in bonus else 0)
        locals_ = [
            p
            for g in village.grids
            for h in g.households
            for p in h.residents
            if p.phone and 35 <= ctx.now_year - p.birth_year <= 72
        ]
        for k in range(n):
            if locals_:
                p = locals_.pop(rng.randrange(len(locals_)))
                name, phone = p.name, p.phone or ctx.ids.mobile()
            else:
                name, phone = ctx.ids.person(ctx.now_year, 35, 65)[0], ctx.ids.mobile()
            if k == 1:
                speciality: str | None = "乡贤"
            elif k == 2 and rng.random() < 0.4:
                speciality = "法律顾问"
            else:
                speciality = rng.choices(spec_names, cum_weights=spec_cum)[0]
            m = Mediator(ctx.next_id(MediatorModel), name, phone, "village", speciality)
            village.mediators.append(m)
            ctx.add(
                MediatorModel,
                dict(
                    id=m.id,
                    township_id=town.id,
                    village_id=village.id,
                    name=name,
                    phone=phone,
                    level="village",
                    employment="full" if k == 0 else "part",
                    speciality=speciality,
                    active=True,
                    updated_at=ctx.now,
                ),
            )


def _build_teams_and_party(ctx: Context, town: Township) -> None:
    rng = ctx.rng
    town_teams = []
    for purpose in vocab.COMMANDO_PURPOSES:
        team_id = ctx.next_id(CommandoTeam)
        town_teams.append(team_id)
        ctx.add(
            CommandoTeam,
            dict(
                id=team_id,
                township_id=town.id,
                village_id=None,
                name=f"{town.name}党员{purpose}突击队",
                purpose=purpose,
                updated_at=ctx.now,
            ),
        )
    for village in town.villages:
        n_teams = rng.randint(2, 4)
        for k in range(n_teams):
            purpose = vocab.COMMANDO_PURPOSES[k % len(vocab.COMMANDO_PURPOSES)]
            suffix = "" if k < len(vocab.COMMANDO_PURPOSES) else "第二"
            team_id = ctx.next_id(CommandoTeam)
            village.team_ids.append(team_id)
            ctx.add(
                CommandoTeam,
                dict(
                    id=team_id,
                    township_id=town.id,
                    village_id=village.id,
                    name=f"{village.name}党员{purpose}{suffix}突击队",
                    purpose=purpose,
                    updated_at=ctx.now,
                ),
            )
    anomalies_left = {"under": 3, "over": 2, "unlinked": 4}
    for village in town.villages:
        _build_party_members(ctx, village, town_teams, anomalies_left)


def _build_party_members(ctx: Context, village: Village, town_teams: list[int], anomalies_left: dict[str, int]) -> None:
    rng, now, now_year = ctx.rng, ctx.now, ctx.now_year
    households = [h for g in village.grids for h in g.households]
    members: list[tuple[int, Person]] = []
    for person in (p for h in households for p in h.residents if p.is_party):
        member_id = ctx.next_id(PartyMember)
        members.append((member_id, person))
        village.party_members.append(member_id)
        age = now_year - person.birth_year
        joined_year = person.birth_year + rng.randint(20, max(20, min(age, 60)))
        joined_on = date(min(joined_year, now_year - 1), rng.randint(1, 12), 1)
        roll = rng.random()
        team_id = (
            rng.choice(village.team_ids)
            if roll < 0.35 and village.team_ids
            else rng.choice(town_teams)
            if roll < 0.42
            else None
        )
        score, entries = _score_history(ctx, member_id)
        ctx.add(
            PartyMember,
            dict(
                id=member_id,
                resident_id=person.id,
                village_id=village.id,
                grid_id=person.household.grid.id,
                name=person.name,
                phone=person.phone,
                joined_on=joined_on,
                zone_id=person.household.grid.zone_id,
                team_id=team_id,
                score=score,
                active=True,
                updated_at=now,
            ),
        )
        for row in entries:
            ctx.add(PartyScoreEntry, row)
    if not members:
        return
    # 党员联户: contiguous runs of the village's households, a few left unlinked.
    n_skip = max(1, round(len(households) * 0.02))
    if anomalies_left["unlinked"] > 0:
        n_skip += 2
        anomalies_left["unlinked"] -= 1
    skip = set(rng.sample(range(len(households)), min(n_skip, len(households))))
    linkable = [h for i, h in enumerate(households) if i not in skip]
    sizes = [rng.randint(5, 15) for _ in members]
    target = min(len(linkable), sum(sizes))
    while sum(sizes) > target:
        i = rng.randrange(len(sizes))
        if sizes[i] > 5 or all(s <= 5 for s in sizes):
            sizes[i] -= 1
            if sizes[i] <= 0:
                sizes[i] = 0
    if anomalies_left["under"] > 0 and len(sizes) >= 3:
        sizes[0] = rng.randint(2, 4)
        anomalies_left["under"] -= 1
    if anomalies_left["over"] > 0 and len(sizes) >= 3 and sum(sizes) + 4 <= len(linkable):
        sizes[-1] = rng.randint(16, 18)
        anomalies_left["over"] -= 1
    pos = 0
    for (member_id, _person), size in zip(members, sizes, strict=False):
        for hh in linkable[pos : pos + size]:
            linked = ctx.between(ctx.start, ctx.start + timedelta(days=300))
            ctx.add(
                PartyMemberHousehold,
                dict(party_member_id=member_id, household_id=hh.id, linked_on=ctx.local_date(linked)),
            )
        pos += size


def _score_history(ctx: Context, member_id: int) -> tuple[int, list[dict]]:
    """百分制考评: deductions and bonuses that keep the score at or below 100."""
    rng = ctx.rng
    score = 100
    rows: list[dict] = []
    times = sorted(ctx.between(ctx.start, ctx.now) for _ in range(rng.randint(1, 7)))
    for at in times:
        if score < 100 and rng.random() < 0.55:
            reason, lo, hi = rng.choice(vocab.PARTY_SCORE_BONUSES)
            delta = min(rng.randint(lo, hi), 100 - score)
        else:
            reason, lo, hi = rng.choice(vocab.PARTY_SCORE_DEDUCTIONS)
            delta = -rng.randint(lo, hi)
        score += delta
        rows.append(
            dict(
                id=ctx.next_id(PartyScoreEntry),
                party_member_id=member_id,
                delta=delta,
                reason=reason,
                recorded_at=at,
                recorded_by=None,
            )
        )
    return score, rows


# --------------------------------------------------------------------------- catalogues


def _build_categories(ctx: Context) -> None:
    weights: list[float] = []
    for top in vocab.CATEGORY_TREE:
        top_id = ctx.next_id(Category)
        ctx.add(
            Category,
            dict(
                id=top_id,
                parent_id=None,
                code=top.code,
                name=top.name,
                default_tier=top.tier,
                platform_code=top.platform,
                contact_hours=CONTACT_HOURS,
                handling_workdays=top.workdays,
                keywords=top.keywords,
                active=True,
                updated_at=ctx.now,
            ),
        )
        for child in top.children:
            if len(child.titles) != len(child.details):
                raise ValueError(f"{child.code}: titles and details must be parallel lists")
            cid = ctx.next_id(Category)
            ctx.add(
                Category,
                dict(
                    id=cid,
                    parent_id=top_id,
                    code=child.code,
                    name=child.name,
                    default_tier=child.tier,
                    platform_code=child.platform,
                    contact_hours=CONTACT_HOURS,
                    handling_workdays=child.workdays,
                    keywords=child.keywords,
                    active=True,
                    updated_at=ctx.now,
                ),
            )
            ctx.categories.append(
                CategoryInfo(
                    cid,
                    child.code,
                    child.name,
                    top.name,
                    child.tier,
                    child.platform,
                    child.department,
                    child.workdays,
                    child.titles,
                    child.details,
                    top.results,
                    child.dispute_type,
                    child.petition,
                )
            )
            weights.append(child.weight)
    ctx.category_cum = list(accumulate(weights))


def _build_service_items(ctx: Context) -> None:
    first = ctx.townships[0]
    dept_ids = {name: dept_id for p in first.platforms.values() for name, dept_id in p.departments.items()}
    for k, (name, dept, agent_ok) in enumerate(vocab.SERVICE_ITEMS, start=1):
        item_id = ctx.next_id(ServiceItem)
        ctx.add(
            ServiceItem,
            dict(
                id=item_id,
                code=f"FW{k:03d}",
                name=name,
                department_id=dept_ids.get(dept),
                agent_point_ok=agent_ok,
                active=True,
                updated_at=ctx.now,
            ),
        )
