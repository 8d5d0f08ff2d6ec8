"""Stage 6: each township's task ledger (任务台账) of the weekly meeting: twenty tasks handed down by
the county or set by the township, with their lead and responsible units, owners, quantified
standards, two to four milestones and a few progress reports each; about a third closed out (销号)
on evidence, a few overdue and a few due within the week, so the ledger page and the weekly
report's section show every warning.

Deterministic and independent of the other stages: its own random stream per township (seeded by
the township's code), every date relative to the anchor's local day. Numbers are the county's
ledger numbers (县-0NN) for handed-down tasks and ``RW-{year}-{seq:06d}`` from the counter for the
township's own.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from db.demo.context import Context
from db.models import Task, TaskMilestone, TaskProgress

TASKS_PER_TOWNSHIP = 20
UNITS = (
    "党政综合办公室",
    "综治中心",
    "农业农村办公室",
    "应急管理办公室",
    "规划建设办公室",
    "社会事务办公室",
    "经济发展办公室",
    "自然资源所",
    "派出所",
    "司法所",
    "市场监管所",
    "生态环境工作站",
)
OWNERS = ("王建国", "李秀梅", "张振华", "刘晓东", "陈卫民", "赵丽娟", "孙志强", "周红英", "吴海涛", "郑玉兰")
# (title, standard, milestones): the kinds of task seeds 001 and 003 list
CATALOGUE = (
    (
        "网格员队伍培训全覆盖",
        "全乡专兼职网格员培训{n}人次以上，考核合格率100%",
        ("制定培训计划", "完成集中培训", "组织考核"),
    ),
    (
        "老旧小区改造（集镇片区）",
        "完成{n}栋楼外墙及管网改造，惠及住户120户以上",
        ("完成方案设计", "完成施工招标", "主体完工", "竣工验收"),
    ),
    (
        "矛盾纠纷大排查大化解",
        "每月排查覆盖全部村（社区），化解率不低于{n}%",
        ("完成第一轮排查", "建立问题清单", "清单销号过半"),
    ),
    ("党员联户全覆盖", "每名党员联系群众10至15户，联户率100%，走访记录{n}条以上", ("完成联户分配", "完成首轮走访")),
    ("“一站式”群众会客厅建设", "整合{n}个服务窗口，实现一站式受理", ("完成选址", "完成装修", "投入使用")),
    ("防汛应急物资储备", "储备编织袋{n}条、救生衣100件，建立台账", ("完成物资清点", "补齐缺口物资")),
    ("出租房屋登记管理", "出租屋登记率由{n}%提升至90%以上", ("完成摸底登记", "建立动态管理台账")),
    (
        "农村人居环境整治",
        "完成{n}个村的垃圾清运和沟渠清淤",
        ("完成排查", "完成第一批整治", "完成第二批整治", "组织验收"),
    ),
    ("12345热线工单提质增效", "按期办结率不低于{n}%，群众满意率不低于95%", ("建立周调度机制", "完成季度复盘")),
    ("无物业小区托底管理", "{n}个无物业小区全部实现社区托底或国有物业入驻", ("完成摸底", "签订托管协议")),
    ("平安村（社区）创建", "创建平安村（社区）{n}个，刑事案件同比下降", ("制定创建方案", "完成自评", "迎接县级验收")),
    ("特殊人群关爱帮扶", "独居老人、留守儿童走访每月不少于{n}次", ("建立特殊人群台账", "完成首轮走访")),
    ("“五星”支部创建", "创建五星支部{n}个、四星支部5个", ("完成支部自评", "完成乡级初评", "报县级复核")),
    ("农贸市场食品安全整治", "市场主体检查覆盖率100%，整改完成率不低于{n}%", ("完成全面检查", "完成整改复查")),
    ("道路交通安全隐患治理", "排查整治交通安全隐患点{n}处", ("完成隐患排查", "完成标志标线设置", "完成验收")),
    ("信访积案化解", "化解信访积案{n}件，实现动态清零", ("逐案制定化解方案", "化解过半", "全部化解")),
    ("网格化服务管理平台推广", "全乡{n}个网格全部使用平台上报事件", ("完成账号开通", "完成操作培训")),
    ("集镇占道经营专项整治", "清理占道经营摊点{n}处，设置规范疏导点3处", ("完成摸底", "集中整治", "建立长效机制")),
    ("安全生产大检查", "检查生产经营单位{n}家，隐患整改率100%", ("完成企业检查", "完成隐患整改")),
    ("村级后备干部培养", "每村培养后备干部不少于{n}名", ("完成人选推荐", "完成集中培训")),
)
PROGRESS_TEXTS = (
    "已召开专题推进会，明确分工和时间节点。",
    "已完成阶段性工作，正在推进下一节点。",
    "牵头单位已与责任单位对接，形成工作台账。",
    "进度符合计划，存在的问题已列入清单。",
    "已完成现场督导，督促责任单位加快进度。",
    "部分村（社区）进度偏慢，已约谈督促。",
)
EVIDENCE = ("验收报告及现场照片已存档。", "县级专班已验收，台账资料齐全。", "完成情况经领导小组会议审定。")
# (kind, weight): closed, overdue, due within a week, on track
KINDS = ("closed",) * 7 + ("overdue",) * 4 + ("soon",) * 3 + ("track",) * 6


def build(ctx: Context) -> None:
    for town in ctx.townships:
        _township(ctx, town.id, town.code)
    ctx.progress("任务台账", len(ctx.townships) * TASKS_PER_TOWNSHIP)


def _township(ctx: Context, township_id: int, code: str) -> None:
    rng = random.Random(f"tasks-{code}")  # nosec B311
    today = ctx.today
    kinds = list(KINDS)
    rng.shuffle(kinds)
    for i, (title, standard, milestones) in enumerate(CATALOGUE[:TASKS_PER_TOWNSHIP]):
        kind = kinds[i]
        if kind == "closed":
            due = today - timedelta(days=rng.randint(-20, 60))
        elif kind == "overdue":
            due = today - timedelta(days=rng.randint(2, 35))
        elif kind == "soon":
            due = today + timedelta(days=rng.randint(0, 6))
        else:
            due = today + timedelta(days=rng.randint(20, 150))
        created = min(due, today) - timedelta(days=rng.randint(60, 150))
        created_at = ctx.at_local(created, rng.randint(8, 17), rng.randint(0, 59))
        county = rng.random() < 0.6
        number = f"县-{i + 1:03d}" if county else ctx.number("RW", created_at)
        closed_on = None
        if kind == "closed":
            closed_on = min(today, due - timedelta(days=rng.randint(0, 10)))
            closed_on = max(closed_on, created + timedelta(days=5))
        lead = rng.choice(UNITS)
        others = [u for u in UNITS if u != lead]
        task_id = ctx.next_id(Task)
        # milestones spread over the task's life, the last on its deadline
        span = max((due - created).days, len(milestones))
        m_dues = [created + timedelta(days=span * (k + 1) // len(milestones)) for k in range(len(milestones))]
        done = [d < today and (kind == "closed" or rng.random() < 0.75) for d in m_dues]
        if kind == "overdue" and all(done):
            done[-1] = False
        percent = 100 if kind == "closed" else int(100 * sum(done) / len(done) * 0.9) // 5 * 5
        reports = _reports(rng, created, min(today, closed_on or today), percent)
        ctx.add(
            Task,
            dict(
                id=task_id,
                township_id=township_id,
                number=number,
                title=title,
                lead_unit=lead,
                responsible_units="、".join(rng.sample(others, rng.randint(1, 3))),
                owner=rng.choice(OWNERS),
                standard=standard.format(n=rng.choice((3, 5, 8, 12, 20, 85, 90, 300))),
                source="county" if county else "township",
                due_on=due,
                status="closed" if kind == "closed" else "open",
                progress_percent=reports[-1][1] if reports else 0,
                last_report_on=reports[-1][0] if reports else None,
                closed_on=closed_on,
                closing_evidence=rng.choice(EVIDENCE) if closed_on else None,
                closing_reason=None,
                closed_by=None,
                created_by=None,
                created_at=created_at,
                version=1,
                updated_at=created_at,
            ),
        )
        if closed_on:  # closed out: every milestone done, by the day it was closed
            done = [True] * len(milestones)
        for k, (name, m_due) in enumerate(zip(milestones, m_dues, strict=True)):
            done_on = min(m_due + timedelta(days=rng.randint(-5, 3)), closed_on or today) if done[k] else None
            ctx.add(
                TaskMilestone,
                dict(
                    id=ctx.next_id(TaskMilestone),
                    task_id=task_id,
                    seq=k + 1,
                    title=name,
                    due_on=m_due,
                    done_on=done_on,
                    note=None,
                    version=1,
                    updated_at=created_at,
                ),
            )
        for day, pct, text in reports:
            ctx.add(
                TaskProgress,
                dict(
                    id=ctx.next_id(TaskProgress),
                    task_id=task_id,
                    reported_on=day,
                    percent=pct,
                    text=text,
                    reporter_id=None,
                    created_at=ctx.at_local(day, rng.randint(9, 17), rng.randint(0, 59)),
                ),
            )


def _reports(rng: random.Random, start: date, end: date, percent: int) -> list[tuple[date, int, str]]:
    """One to four reports between ``start`` and ``end``, the last within ten days of ``end``, their
    percentages rising to ``percent``."""
    span = max((end - start).days, 11)
    last = max(end - timedelta(days=rng.randint(0, 10)), start + timedelta(days=1))
    days = sorted(
        {start + timedelta(days=rng.randint(1, max(1, span - 11))) for _ in range(rng.randint(0, 3))} | {last}
    )
    return [(d, percent * (k + 1) // len(days), rng.choice(PROGRESS_TEXTS)) for k, d in enumerate(days)]
